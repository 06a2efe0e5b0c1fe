// Sends an Okta Universal Logout (global token revocation) request for one user to edge-sso, as Okta would.
//
// Usage: node dev/idp/universal-logout.mjs --email alice@acme.test [--org acme] [--sub acme-alice]
//          [--worker http://127.0.0.1:8787] [--issuer http://127.0.0.1:9000]
//          [--client-id edge-sso-acme] [--data-dir dev/data]
// Signs with the org's dev IdP key (<data-dir>/<org>-keys.json), POSTs to <worker>/_sso/global-token-revocation,
// prints the status, and exits 0 on 204, 1 otherwise. With --sub the user is named by iss_sub, else by email.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { DEFAULT_DATA_DIR, universalLogoutRequest } from './keys.mjs';
import { orgDefaults } from './orgs.mjs';

const { org, email, sub, request } = await settings();

const who = sub ? `sub ${sub}` : email;
try {
  const res = await fetch(request.url, request.init);
  const detail = res.status === 204 ? 'sessions revoked' : (await res.text()).slice(0, 200);
  console.log(`universal logout of ${who} (${org}) → ${res.status} ${detail}`.trimEnd());
  process.exitCode = res.status === 204 ? 0 : 1;
} catch (err) {
  console.error(`universal-logout: cannot reach ${request.url}: ${err.cause?.message ?? err.message}`);
  process.exitCode = 1;
}

/** The command line and the signed request it describes; a bad flag ends the process with one line. */
async function settings() {
  try {
    const { values: args } = parseArgs({
      options: {
        org: { type: 'string', default: 'acme' },
        email: { type: 'string' },
        sub: { type: 'string' },
        worker: { type: 'string', default: 'http://127.0.0.1:8787' },
        issuer: { type: 'string' },
        'client-id': { type: 'string' },
        'data-dir': { type: 'string' },
      },
    });
    if (!args.email && !args.sub) throw new Error('give --email <address> or --sub <subject>');
    const defaults = orgDefaults(args.org);
    const request = await universalLogoutRequest({
      org: args.org,
      issuer: (args.issuer ?? `http://127.0.0.1:${defaults.port}`).replace(/\/+$/, ''),
      clientId: args['client-id'] ?? defaults.clientId,
      worker: new URL(args.worker).origin,
      email: args.email,
      sub: args.sub,
      dataDir: args['data-dir'] ? resolve(args['data-dir']) : DEFAULT_DATA_DIR,
    });
    return { org: args.org, email: args.email, sub: args.sub, request };
  } catch (err) {
    console.error(`universal-logout: ${err.message}`);
    process.exit(2);
  }
}
