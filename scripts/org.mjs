#!/usr/bin/env node
// Operator helper for the admin API: onboard (add), list and remove customer orgs, and
// invite one (a setup link its own Okta admin follows), list and withdraw setup links.
//
//   node scripts/org.mjs add <id> --issuer URL --client-id ID --client-secret SECRET
//        [--domain D]... [--project P]... [--auth-method client_secret_basic|client_secret_post] [--scope S]...
//   node scripts/org.mjs list
//   node scripts/org.mjs remove <id>
//   node scripts/org.mjs invite <id> --domain D [--domain D]... [--project P]... [--days N]
//   node scripts/org.mjs invitations
//   node scripts/org.mjs withdraw <id>
//
// The worker is EDGE_SSO_URL (default http://127.0.0.1:8787); the token is SSO_ADMIN_TOKEN
// (default: the development token from .dev.vars when talking to 127.0.0.1).
import { readFileSync } from 'node:fs';

const usage =
  'usage: org.mjs add <id> --issuer URL --client-id ID --client-secret SECRET [--domain D]... [--project P]... | list | remove <id>' +
  ' | invite <id> --domain D [--domain D]... [--project P]... [--days N] | invitations | withdraw <id>';
const [command, ...rest] = process.argv.slice(2);
const worker = (process.env.EDGE_SSO_URL || 'http://127.0.0.1:8787').replace(/\/$/, '');
const token = process.env.SSO_ADMIN_TOKEN || devToken();

function devToken() {
  if (!/^http:\/\/(127\.0\.0\.1|localhost)(:|\/|$)/.test(worker)) return undefined;
  try {
    const line = readFileSync(new URL('../.dev.vars', import.meta.url), 'utf8').split('\n').find((l) => l.startsWith('SSO_ADMIN_TOKEN='));
    return line?.slice('SSO_ADMIN_TOKEN='.length).replace(/^"|"$/g, '');
  } catch {
    return undefined;
  }
}

function fail(message) {
  console.error(`org: ${message}`);
  process.exit(2);
}

function parseFlags(args) {
  const flags = { domain: [], project: [], scope: [] };
  const positional = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const name = a.slice(2);
    const value = args[++i];
    if (value === undefined) fail(`${a} needs a value`);
    if (Array.isArray(flags[name])) flags[name].push(value);
    else flags[name] = value;
  }
  return { flags, positional };
}

async function call(method, path, body, collection = 'orgs') {
  if (!token) fail('set SSO_ADMIN_TOKEN');
  let res;
  try {
    res = await fetch(`${worker}/_sso/admin/${collection}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    fail(`cannot reach ${worker}: ${e.cause?.code || e.message}`);
  }
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.status, json };
}

const { flags, positional } = parseFlags(rest);
let result;
if (command === 'add') {
  const [id] = positional;
  if (!id || !flags.issuer || !flags['client-id'] || !flags['client-secret']) fail(usage);
  const org = {
    issuer: flags.issuer,
    client_id: flags['client-id'],
    client_secret: flags['client-secret'],
    domains: flags.domain,
    default_projects: flags.project,
  };
  if (flags['auth-method']) org.token_endpoint_auth_method = flags['auth-method'];
  if (flags.scope.length) org.scopes = flags.scope;
  result = await call('PUT', `/${encodeURIComponent(id)}`, org);
  if (result.status === 200) {
    console.log(`org ${id} is ready. Enter these in the identity provider's app settings:`);
    for (const [k, v] of Object.entries(result.json)) if (k !== 'org') console.log(`  ${k.padEnd(28)} ${v}`);
    process.exit(0);
  }
} else if (command === 'list') {
  result = await call('GET', '');
  if (result.status === 200) {
    for (const o of result.json.orgs) console.log(`${o.id.padEnd(20)} ${o.source.padEnd(7)} ${o.issuer}  ${o.domains.join(', ')}`);
    process.exit(0);
  }
} else if (command === 'remove') {
  const [id] = positional;
  if (!id) fail(usage);
  result = await call('DELETE', `/${encodeURIComponent(id)}`);
  if (result.status === 200) {
    console.log(`org ${id} removed; its sessions are revoked`);
    process.exit(0);
  }
} else if (command === 'invite') {
  const [id] = positional;
  if (!id || !flags.domain.length) fail(usage);
  const body = { org: id, domains: flags.domain, default_projects: flags.project };
  if (flags.days !== undefined) body.expires_in_secs = Math.round(Number(flags.days) * 86400);
  result = await call('POST', '', body, 'invitations');
  if (result.status === 201) {
    console.log(`Setup link for ${id} (valid until ${new Date(result.json.expires_at * 1000).toISOString()}); send it to their Okta admin:`);
    console.log(`  ${result.json.url}`);
    process.exit(0);
  }
} else if (command === 'invitations') {
  result = await call('GET', '', undefined, 'invitations');
  if (result.status === 200) {
    for (const i of result.json.invitations) {
      console.log(`${i.org.padEnd(20)} ${i.step.padEnd(20)} until ${new Date(i.expires_at * 1000).toISOString()}  ${i.domains.join(', ')}`);
    }
    process.exit(0);
  }
} else if (command === 'withdraw') {
  const [id] = positional;
  if (!id) fail(usage);
  result = await call('DELETE', `/${encodeURIComponent(id)}`, undefined, 'invitations');
  if (result.status === 200) {
    console.log(`the setup link of ${id} is withdrawn`);
    process.exit(0);
  }
} else {
  fail(usage);
}
console.error(`org: ${result.status} ${typeof result.json === 'string' ? result.json : result.json.error_description || JSON.stringify(result.json)}`);
process.exit(1);
