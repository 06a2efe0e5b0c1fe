// Data residency (interface §1 `orgs[].jurisdiction`): every Durable Object call of an org
// with `"jurisdiction": "eu"` — its login states, its directory, its users' objects — goes
// through `namespace.jurisdiction("eu")` (read through the counting entry,
// tests/support/counting-entry.mjs), for login, the request, sign-out, back-channel and
// Universal Logout; no call of an org without one does; the admin API validates the field
// and refuses to move a stored org.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, assertLoggedIn, assertNoSession, assertSession } from '../support/stack.mjs';
import { Browser } from '../support/browser.mjs';

const TOKEN = 'admin-token-for-e2e-0123456789abcdef';

let stack;
before(async () => {
  stack = await startStack({
    orgs: [{ id: 'acme', org: { jurisdiction: 'eu' } }, 'globex'],
    worker: { countObjectCalls: true, secrets: { SSO_ADMIN_TOKEN: TOKEN } },
  });
});
after(() => stack?.stop());

const worker = () => stack.worker;
let counter = 0;
const freshEmail = (org) => `j${++counter}-${Date.now()}@${org}.test`;

async function signIn(email) {
  const browser = new Browser();
  const flow = await stack.login(browser, { email });
  await assertLoggedIn(flow, browser, worker().url);
  return browser;
}

/** The Durable Object calls `action` makes, to the session stores only. */
async function storeCallsOf(action) {
  await worker().resetObjectCalls();
  const result = await action();
  const calls = (await worker().objectCalls()).filter((c) => c.binding === 'SSO_SESSIONS');
  return { calls, result };
}

const inEu = (calls) => calls.length > 0 && calls.every((c) => c.jurisdiction === 'eu');
const nowhere = (calls) => calls.length > 0 && calls.every((c) => !('jurisdiction' in c));

describe('an org in the EU', () => {
  test('login, the request, sign-out: every object call goes through jurisdiction("eu")', async () => {
    const email = freshEmail('acme');
    const { calls: login, result: browser } = await storeCallsOf(() => signIn(email));
    assert.ok(inEu(login), `login: ${JSON.stringify(login)}`);
    assert.ok(login.length >= 3, 'a login state, the directory and the user object at least');

    const { calls: request } = await storeCallsOf(() => browser.get(stack.url('/who'), { accept: 'application/json' }));
    assert.equal(request.length, 1, 'one call per authenticated request');
    assert.equal(request[0].jurisdiction, 'eu');
    const { calls: all } = await storeCallsOf(() => browser.get(stack.url('/again'), { accept: 'application/json' }));
    assert.deepEqual(await worker().objectCalls(), all, 'and no other object (SsoState) either');

    const { calls: out, result: response } = await storeCallsOf(() =>
      browser.post(`${worker().url}/_sso/logout`, {}, { origin: new URL(worker().url).origin }),
    );
    assert.equal(response.status, 303);
    assert.ok(inEu(out), `sign-out: ${JSON.stringify(out)}`);
    await assertNoSession(browser, worker().url, 'signed out');
  });

  test('back-channel logout (sub) and Universal Logout (email) reach the EU objects', async () => {
    const acme = stack.providers.acme;
    const email = freshEmail('acme');
    const first = await signIn(email);
    const { calls: bc, result } = await storeCallsOf(() =>
      fetch(`${worker().url}/_sso/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: acme.logoutToken({ sub: acme.userFor(email).sub }) }),
      }),
    );
    assert.equal(result.status, 200);
    assert.ok(inEu(bc) && bc.length === 2, `back-channel: the directory, then the user object: ${JSON.stringify(bc)}`);
    await assertNoSession(first, worker().url, 'revoked by back-channel logout');

    const second = await signIn(freshEmail('acme'));
    const other = await signIn(email);
    const url = `${worker().url}/_sso/global-token-revocation`;
    const { calls: ul, result: revoked } = await storeCallsOf(() =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${acme.universalLogoutToken({ aud: url })}` },
        body: JSON.stringify({ sub_id: { format: 'email', email } }),
      }),
    );
    assert.equal(revoked.status, 204);
    assert.ok(inEu(ul) && ul.length === 2, `Universal Logout: ${JSON.stringify(ul)}`);
    await assertNoSession(other, worker().url, 'revoked by Universal Logout');
    await assertSession(second, worker().url, {}, 'another user of the org keeps their session');
  });
});

describe('an org without a jurisdiction', () => {
  test('no object call of it goes through jurisdiction()', async () => {
    const { calls: login, result: browser } = await storeCallsOf(() => signIn(freshEmail('globex')));
    assert.ok(nowhere(login), `login: ${JSON.stringify(login)}`);
    const { calls: request } = await storeCallsOf(() => browser.get(stack.url('/who'), { accept: 'application/json' }));
    assert.equal(request.length, 1);
    assert.ok(nowhere(request));
    const { calls: out } = await storeCallsOf(() => browser.post(`${worker().url}/_sso/logout`, {}, { origin: new URL(worker().url).origin }));
    assert.ok(nowhere(out), `sign-out: ${JSON.stringify(out)}`);
  });
});

describe('the admin API', () => {
  const admin = (method, id, body) =>
    fetch(`${worker().url}/_sso/admin/orgs/${id}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const initech = (extra = {}) => ({ ...stack.providers.globex.org({ id: 'initech', domains: ['initech.test'] }), ...extra });

  test('an unknown jurisdiction is refused with the field named; a stored org cannot move (409) until removed', async () => {
    const bad = await admin('PUT', 'initech', initech({ jurisdiction: 'mars' }));
    assert.ok(bad.status >= 400 && bad.status < 500, `status ${bad.status}`);
    assert.match((await bad.json()).error_description, /jurisdiction: unknown jurisdiction \(one of: eu, fedramp\)/);

    assert.equal((await admin('PUT', 'initech', initech({ jurisdiction: 'eu' }))).status, 200);
    const listed = await (await fetch(`${worker().url}/_sso/admin/orgs`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    assert.ok(listed.orgs.some((o) => o.id === 'initech'));
    assert.equal((await admin('PUT', 'initech', initech({ jurisdiction: 'eu' }))).status, 200, 'same place: replaced');
    const moved = await admin('PUT', 'initech', initech());
    assert.equal(moved.status, 409);
    assert.match((await moved.json()).error_description, /jurisdiction cannot change/);

    const { calls: removal, result: deleted } = await storeCallsOf(() => admin('DELETE', 'initech'));
    assert.equal(deleted.status, 200);
    assert.ok(inEu(removal), `removal purges the EU directory: ${JSON.stringify(removal)}`);
    assert.equal((await admin('PUT', 'initech', initech())).status, 200, 'removed, it may come back elsewhere');
    assert.equal((await admin('DELETE', 'initech')).status, 200);
  });

  test('a setup link may fix the jurisdiction of the org it creates; an unknown one is 400', async () => {
    const invite = (body) =>
      fetch(`${worker().url}/_sso/admin/invitations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await invite({ org: 'hooli', domains: ['hooli.test'], jurisdiction: 'mars' });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error_description, /jurisdiction: unknown jurisdiction/);
    assert.equal((await invite({ org: 'hooli', domains: ['hooli.test'], jurisdiction: 'eu' })).status, 201);
    const withdrawn = await fetch(`${worker().url}/_sso/admin/invitations/hooli`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(withdrawn.status, 200);
  });
});

describe('in workerd itself, which implements no jurisdiction', () => {
  let plain;
  before(async () => {
    plain = await startStack({ orgs: [{ id: 'acme', org: { jurisdiction: 'eu' } }] });
  });
  after(() => plain?.stop());

  test('an EU org still signs in (local objects), and the log says so once', async () => {
    for (const email of ['a@acme.test', 'b@acme.test']) {
      const browser = new Browser();
      const flow = await plain.login(browser, { email });
      await assertLoggedIn(flow, browser, plain.worker.url);
    }
    await plain.worker.waitForLog(/"event":"jurisdiction","outcome":"unsupported"/, 5000);
    const told = plain.worker.logs().split('\n').filter((l) => l.includes('"event":"jurisdiction"'));
    assert.equal(told.length, 1, 'once per isolate');
  });
});
