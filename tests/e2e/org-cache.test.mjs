// Orgs stored through the admin API, cached per isolate (interface §6 "take effect for the
// next request in every location", issue 15): a login of a stored org reads no `SsoState`
// (Durable Object calls counted by tests/support/counting-entry.mjs), only its directory
// confirms it; and after an admin change was answered (PUT with new credentials, DELETE,
// PUT again) the very next login goes by the change — the isolate's copy is never used
// stale. (Several isolates at once: src/flows/tests/org_cache_cases.rs; workerd runs one.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, assertLoggedIn } from '../support/stack.mjs';
import { startTestProvider } from '../support/test-provider.mjs';
import { Browser } from '../support/browser.mjs';

const TOKEN = 'admin-token-for-e2e-0123456789abcdef';

let stack;
let initech;
before(async () => {
  initech = await startTestProvider({ clientId: 'initech-client' });
  initech.extraClients['initech-client-2'] = 'second-secret-0123456789';
  stack = await startStack({ orgs: ['acme'], worker: { countObjectCalls: true, secrets: { SSO_ADMIN_TOKEN: TOKEN } } });
});
after(() => Promise.allSettled([stack?.stop(), initech?.stop()]));

const worker = () => stack.worker;
const admin = (method, id, body) =>
  fetch(`${worker().url}/_sso/admin/orgs/${id}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
const initechOrg = (clientId = initech.clientId, secret = initech.clientSecret) => ({
  issuer: initech.issuer,
  client_id: clientId,
  client_secret: secret,
  domains: ['initech.test'],
});
const isDirectory = (c) => c.binding === 'SSO_SESSIONS' && /^[0-9a-f]{24}$/.test(c.name);

async function callsOf(action) {
  await worker().resetObjectCalls();
  const result = await action();
  return { calls: await worker().objectCalls(), result };
}

/** Where `GET /_sso/login?…` sends the browser (status, client_id of the authorization request). */
async function loginStart(query) {
  const res = await fetch(`${worker().url}/_sso/login?${new URLSearchParams(query)}`, { redirect: 'manual', headers: { accept: 'text/html' } });
  const location = res.headers.get('location');
  return { status: res.status, clientId: location ? new URL(location).searchParams.get('client_id') : null };
}

async function signIn(email) {
  const browser = new Browser();
  const flow = await stack.login(browser, { email });
  await assertLoggedIn(flow, browser, worker().url);
  return browser;
}

test('a stored org: no SsoState call per login, its directory confirms it', async () => {
  assert.equal((await admin('PUT', 'initech', initechOrg())).status, 200);
  await signIn('warm@initech.test');
  await signIn('warm2@initech.test'); // the copy is read, then paired with the org's stamp
  const { calls } = await callsOf(() => signIn('ann@initech.test'));
  assert.deepEqual(calls.filter((c) => c.binding === 'SSO_STATE'), [], `no SsoState call: ${JSON.stringify(calls)}`);
  assert.equal(calls.filter(isDirectory).length, 3, 'the directory: confirm at login start and at the callback, register');

  const { calls: statics } = await callsOf(() => signIn('bob@acme.test'));
  assert.deepEqual(statics.filter((c) => c.binding === 'SSO_STATE'), [], 'a static org: no SsoState call either');
  assert.equal(statics.filter(isDirectory).length, 1, 'and no confirmation: register only');
});

test('the next login after an admin change goes by it: new credentials, removal, return', async () => {
  assert.equal((await admin('PUT', 'initech', initechOrg())).status, 200);
  assert.equal((await loginStart({ org: 'initech' })).clientId, 'initech-client');
  assert.equal((await loginStart({ email: 'x@initech.test' })).clientId, 'initech-client');

  assert.equal((await admin('PUT', 'initech', initechOrg('initech-client-2', 'second-secret-0123456789'))).status, 200);
  assert.equal((await loginStart({ org: 'initech' })).clientId, 'initech-client-2', 'by id');
  assert.equal((await loginStart({ email: 'x@initech.test' })).clientId, 'initech-client-2', 'by domain');
  const browser = await signIn('carl@initech.test');
  assert.ok(browser, 'the login completes with the new client');

  assert.equal((await admin('DELETE', 'initech')).status, 200);
  assert.equal((await loginStart({ org: 'initech' })).status, 404, 'removed: an unknown org');
  assert.equal((await loginStart({ email: 'x@initech.test' })).status, 404, 'removed: an unknown domain');

  assert.equal((await admin('PUT', 'initech', initechOrg())).status, 200);
  assert.equal((await loginStart({ org: 'initech' })).clientId, 'initech-client', 'back again');
  await signIn('dana@initech.test');
});

test('a login started before a change finishes by the changed org', async () => {
  assert.equal((await admin('PUT', 'initech', initechOrg())).status, 200);
  const browser = new Browser();
  // Start at the worker, change the org while the browser is at the IdP, then finish.
  const start = await browser.get(`${worker().url}/_sso/login?email=eve@initech.test`);
  assert.equal(start.status, 302);
  assert.equal(new URL(start.location).searchParams.get('client_id'), 'initech-client');
  assert.equal((await admin('PUT', 'initech', initechOrg('initech-client-2', 'second-secret-0123456789'))).status, 200);
  const atIdp = await browser.get(start.location);
  assert.equal(atIdp.status, 302);
  await browser.get(atIdp.location);
  const exchange = initech.last('token');
  assert.ok(exchange, 'the code was exchanged');
  const auth = exchange.headers.authorization ?? '';
  const basic = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString();
  assert.ok(basic.startsWith('initech-client-2:') || exchange.form?.client_id === 'initech-client-2', 'with the changed credentials');
});
