// The development organizations: each org's default port, OAuth client and users.

import { readFileSync } from 'node:fs';

/** The one password every development user signs in with. */
export const DEV_PASSWORD = 'correct-horse-battery-staple';

const KNOWN_ORGS = {
  acme: {
    port: 9000,
    authMethod: 'client_secret_basic',
    people: [['alice', 'Alice', 'Anderson'], ['bob', 'Bob', 'Brown']],
  },
  globex: {
    port: 9001,
    authMethod: 'client_secret_post',
    people: [['carol', 'Carol', 'Chen'], ['dan', 'Dan', 'Diaz']],
  },
};
const OTHER_ORG = {
  port: 9002,
  authMethod: 'client_secret_basic',
  people: [['erin', 'Erin', 'Evans']],
};

/** Checks an org id the same way edge-sso does ([a-z0-9-]{1,63}); it also names files. */
export function checkOrgId(org) {
  if (!/^[a-z0-9-]{1,63}$/.test(org)) {
    throw new Error(`org "${org}" is not a valid org id ([a-z0-9-]{1,63})`);
  }
  return org;
}

/** Defaults of one org: `{ port, clientId, clientSecret, authMethod, users }`. */
export function orgDefaults(org) {
  checkOrgId(org);
  const { port, authMethod, people } = KNOWN_ORGS[org] ?? OTHER_ORG;
  return {
    port,
    clientId: `edge-sso-${org}`,
    clientSecret: `${org}-dev-secret`,
    authMethod,
    users: people.map(([local, given, family]) => user({
      sub: `${org}-${local}`,
      email: `${local}@${org}.test`,
      given_name: given,
      family_name: family,
    })),
  };
}

/**
 * Reads users from a JSON file: an array of `{ email, name?, given_name?, family_name?, sub? }`.
 * A missing `sub` becomes `<org>-<local part of the email>`.
 */
export function loadUsers(path, org) {
  const list = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(list)) throw new Error(`${path}: expected a JSON array of users`);
  return list.map((entry, i) => {
    if (typeof entry?.email !== 'string' || !entry.email.includes('@')) {
      throw new Error(`${path}: [${i}].email: missing or not an email address`);
    }
    return user({ sub: `${org}-${entry.email.split('@')[0]}`, ...entry });
  });
}

function user({ sub, email, name, given_name, family_name }) {
  const fullName = name ?? [given_name, family_name].filter(Boolean).join(' ');
  const [first, ...rest] = fullName.split(' ');
  return {
    sub,
    email,
    email_verified: true,
    name: fullName || email,
    given_name: given_name ?? first,
    family_name: family_name ?? (rest.join(' ') || undefined),
  };
}
