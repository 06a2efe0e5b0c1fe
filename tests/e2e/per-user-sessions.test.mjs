// Sessions in per-user Durable Objects (interface.md §3 "Scale", watermark, bound) and a
// user's own sessions (§3a): Durable Object calls counted per operation through the
// counting entry (tests/support/counting-entry.mjs), revocation fanned out to several
// user objects (an unreachable one: 422 / 5xx, and the retry succeeds), back-channel by
// sid alone and by sub alone, the in-flight login race, max_per_user, and every route
// of /_sso/sessions.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, assertLoggedIn, assertNoSession, assertSession } from '../support/stack.mjs';
import { Browser, parseForms } from '../support/browser.mjs';
import { sleep } from '../support/net.mjs';

let stack;
before(async () => {
  stack = await startStack({
    orgs: ['acme'],
    provisioning: { timeout_ms: 10000 },
    sso: { public_paths: ['/public'], session: { max_per_user: 3, idle_timeout_secs: 10 } },
    worker: { countObjectCalls: true },
  });
});
after(() => stack?.stop());

const acme = () => stack.providers.acme;
const worker = () => stack.worker;
let counter = 0;
const freshEmail = () => `p${++counter}-${Date.now()}@acme.test`;
const isUserObject = (c) => c.binding === 'SSO_SESSIONS' && /^[0-9a-f]{56}$/.test(c.name);
const isDirectory = (c) => c.binding === 'SSO_SESSIONS' && /^[0-9a-f]{24}$/.test(c.name);
const isStateObject = (c) => c.binding === 'SSO_SESSIONS' && /^s[0-9a-f]{32}$/.test(c.name);

/** A fresh browser signed in as `email` (as `user`, when given, with `sid`). */
async function signIn(email, { user, sid } = {}) {
  acme().user = user;
  acme().sid = sid;
  try {
    const browser = new Browser();
    const flow = await stack.login(browser, { email });
    await assertLoggedIn(flow, browser, worker().url);
    return browser;
  } finally {
    acme().user = undefined;
    acme().sid = undefined;
  }
}

/** The Durable Object calls `action` makes. */
async function callsOf(action) {
  await worker().resetObjectCalls();
  const result = await action();
  return { calls: await worker().objectCalls(), result };
}

/** The user object a browser's requests call. */
async function userObjectOf(browser) {
  const { calls } = await callsOf(() => browser.get(stack.url('/who'), { accept: 'application/json' }));
  assert.equal(calls.length, 1);
  return calls[0].name;
}

const revocationUrl = () => `${worker().url}/_sso/global-token-revocation`;
const universalLogout = (subId) =>
  fetch(revocationUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${acme().universalLogoutToken({ aud: revocationUrl() })}` },
    body: JSON.stringify({ sub_id: subId }),
  });
const backchannel = (token) =>
  fetch(`${worker().url}/_sso/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: token }),
  });

describe('Durable Object calls per operation', () => {
  test('1 per authenticated request, a small constant per login, 0 for public paths', async () => {
    const warm = await signIn(freshEmail());
    await warm.get(stack.url('/warm'));
    const email = freshEmail();
    const { calls: login } = await callsOf(() => signIn(email));
    const sessions = login.filter((c) => c.binding === 'SSO_SESSIONS');
    assert.equal(sessions.filter(isStateObject).length, 1, `one login-state object: ${JSON.stringify(login)}`);
    assert.equal(sessions.filter(isDirectory).length, 2, 'the directory: register, then the provisioning fingerprint');
    assert.ok(sessions.filter(isUserObject).length >= 1, 'the user object: create (and the session check after)');
    assert.ok(login.length <= 8, `a small constant: ${login.length}`);
    assert.deepEqual(await worker().objectCallMethods(), { call: login.length }, 'every object call of a login over RPC');

    const browser = await signIn(email);
    const object = await userObjectOf(browser);
    for (const path of ['/a', '/b?x=1', '/c']) {
      const { calls } = await callsOf(() => browser.get(stack.url(path), { accept: 'application/json' }));
      assert.deepEqual(calls, [{ binding: 'SSO_SESSIONS', name: object }], `exactly one call, to the user's object: ${path}`);
      assert.deepEqual(await worker().objectCallMethods(), { call: 1 }, 'over RPC (`call`), no HTTP request (`fetch`)');
    }
    const { calls: info } = await callsOf(() => browser.get(`${worker().url}/_sso/session`, { accept: 'application/json' }));
    assert.deepEqual(info, [{ binding: 'SSO_SESSIONS', name: object }]);
    for (const path of ['/public', '/_sso/healthz', '/_sso/jwks.json']) {
      const { calls } = await callsOf(() => browser.get(path.startsWith('/_sso') ? `${worker().url}${path}` : stack.url(path)));
      assert.deepEqual(calls, [], `no object call for ${path}`);
    }
  });

  test('two users of one org never share an object; revocation: 1 directory call + 1 per affected user', async () => {
    const email = freshEmail();
    const first = acme().userFor(email);
    const [a1, a2] = [await signIn(email), await signIn(email)];
    const other = await signIn(email, { user: { ...first, sub: `${first.sub}-second` } });
    const bystander = await signIn(freshEmail());
    const objects = [];
    for (const b of [a1, a2, other, bystander]) objects.push(await userObjectOf(b));
    const [objA1, objA2, objOther, objBystander] = objects;
    assert.equal(objA1, objA2, 'one user, one object');
    assert.equal(new Set([objA1, objOther, objBystander]).size, 3, 'each user an object of their own');

    const { calls, result } = await callsOf(() => universalLogout({ format: 'email', email }));
    assert.equal(result.status, 204);
    assert.equal(calls.filter(isDirectory).length, 1, JSON.stringify(calls));
    assert.deepEqual(calls.filter(isUserObject).map((c) => c.name).sort(), [objA1, objOther].sort());
    assert.equal(calls.length, 2 + 1);
    for (const b of [a1, a2, other]) await assertNoSession(b, worker().url, 'revoked by email');
    await assertSession(bystander, worker().url);
  });
});

describe('revocation across user objects', () => {
  test('an unreachable user object: Universal Logout 422, nothing claimed, and the retry succeeds', async () => {
    const email = freshEmail();
    const first = acme().userFor(email);
    const one = await signIn(email);
    const two = await signIn(email, { user: { ...first, sub: `${first.sub}-b` } });
    const down = await userObjectOf(two);
    await worker().failObjects([down]);
    const token = acme().universalLogoutToken({ aud: revocationUrl() });
    const send = () =>
      fetch(revocationUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ sub_id: { format: 'email', email } }),
      });
    try {
      assert.equal((await send()).status, 422);
    } finally {
      await worker().failObjects([]);
    }
    await assertSession(two, worker().url, {}, 'the unreachable object kept its session');
    assert.equal((await send()).status, 204, 'the IdP retries the same token: its jti was not burnt');
    await assertNoSession(one, worker().url);
    await assertNoSession(two, worker().url);
    assert.equal((await send()).status, 401, 'once done, the jti is spent');
  });

  test('an unreachable user object: back-channel logout 5xx and the retry succeeds', async () => {
    const email = freshEmail();
    const browser = await signIn(email);
    const { sub } = acme().userFor(email);
    const down = await userObjectOf(browser);
    const token = acme().logoutToken({ sub });
    await worker().failObjects([down]);
    try {
      const response = await backchannel(token);
      assert.ok(response.status >= 500, `status ${response.status}`);
    } finally {
      await worker().failObjects([]);
    }
    await assertSession(browser, worker().url);
    assert.equal((await backchannel(token)).status, 200);
    await assertNoSession(browser, worker().url);
  });

  test('back-channel by sid alone finds the user through the directory and ends only that IdP session', async () => {
    const email = freshEmail();
    const sid = `sid-${Date.now()}`;
    const inSid = await signIn(email, { sid });
    const elsewhere = await signIn(email, { sid: `${sid}-other` });
    const object = await userObjectOf(inSid);
    const { calls, result } = await callsOf(() => backchannel(acme().logoutToken({ sid })));
    assert.equal(result.status, 200);
    assert.deepEqual(calls.filter((c) => c.binding === 'SSO_SESSIONS').map((c) => c.name).slice(1), [object]);
    assert.equal(calls.filter(isDirectory).length, 1);
    await assertNoSession(inSid, worker().url);
    await assertSession(elsewhere, worker().url);
  });

  test('back-channel by sub alone ends every session of the user, in every browser', async () => {
    const email = freshEmail();
    const browsers = [await signIn(email), await signIn(email)];
    const bystander = await signIn(freshEmail());
    const { sub } = acme().userFor(email);
    assert.equal((await backchannel(acme().logoutToken({ sub }))).status, 200);
    for (const b of browsers) await assertNoSession(b, worker().url);
    await assertSession(bystander, worker().url);
  });

  test('a login in flight during a Universal Logout (slow provisioning) creates no session', async () => {
    const email = `slow-${Date.now()}@acme.test`;
    const { sub } = acme().userFor(email);
    stack.origin.scriptProvisioning({ status: 201, delayMs: 2500 });
    const browser = new Browser();
    const login = stack.login(browser, { email });
    await sleep(1500);
    const response = await universalLogout({ format: 'iss_sub', iss: acme().issuer, sub });
    assert.equal(response.status, 204, 'the user is known to the directory before provisioning ends');
    const flow = await login;
    assert.ok(flow.callback && flow.callback.status >= 400, `the callback refused the login: ${flow.callback?.status}`);
    await assertNoSession(browser, worker().url, 'nothing left behind');
    await sleep(1100);
    const again = await signIn(email);
    await assertSession(again, worker().url, {}, 'a later login is not refused');
  });

  test('session.max_per_user: the least recently used session ends', async () => {
    const email = freshEmail();
    const [b1, b2, b3] = [await signIn(email), await signIn(email), await signIn(email)];
    await sleep(1100);
    await b1.get(stack.url('/use'), { accept: 'application/json' });
    const b4 = await signIn(email);
    await assertNoSession(b2, worker().url, 'the least recently used ended');
    for (const b of [b1, b3, b4]) await assertSession(b, worker().url);
  });
});

describe('a user\'s own sessions (§3a)', () => {
  const sessionsUrl = () => `${worker().url}/_sso/sessions`;
  const listJson = async (browser) => {
    const r = await browser.get(sessionsUrl(), { accept: 'application/json' });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    return r.json().sessions;
  };
  const end = (browser, id, options = {}) =>
    browser.post(`${worker().url}/_sso/sessions/end`, { id }, { origin: worker().url, accept: 'application/json', ...options });

  test('without a session: 302 to login for navigations, 401 JSON otherwise', async () => {
    const browser = new Browser();
    const page = await browser.get(sessionsUrl());
    assert.equal(page.status, 302);
    assert.equal(new URL(page.location).pathname, '/_sso/login');
    const api = await browser.get(sessionsUrl(), { accept: 'application/json' });
    assert.equal(api.status, 401);
    assert.equal((await end(browser, 'others')).status, 401);
  });

  test('JSON lists the user\'s sessions, most recent first, with opaque ids that are not cookies', async () => {
    const email = freshEmail();
    const older = await signIn(email);
    await sleep(1100);
    const newer = await signIn(email);
    const sessions = await listJson(newer);
    assert.equal(sessions.length, 2);
    for (const s of sessions) {
      assert.deepEqual(Object.keys(s).sort(), ['country', 'created_at', 'current', 'id', 'last_seen_at', 'user_agent']);
      assert.match(s.id, /^[0-9a-f]{32}$/);
      assert.ok(Number.isInteger(s.created_at) && Number.isInteger(s.last_seen_at));
    }
    assert.deepEqual(sessions.map((s) => s.current), [true, false]);
    assert.ok(sessions[0].last_seen_at >= sessions[1].last_seen_at);
    const cookie = newer.cookie('sso_session').value;
    assert.ok(!sessions.some((s) => s.id === cookie || cookie.includes(s.id)));
    const forged = new Browser();
    forged.setCookie(worker().url, `sso_session=${sessions[1].id}; Path=/`);
    await assertNoSession(forged, worker().url, 'a listed id authenticates nothing');
    await assertSession(older, worker().url);
  });

  test('the HTML page lists each session with an end button, and ends others through its form', async () => {
    const email = freshEmail();
    const other = await signIn(email);
    const here = await signIn(email);
    const page = await here.get(sessionsUrl());
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /text\/html/);
    assert.match(page.body, /Your sessions/);
    assert.match(page.body, /This device/);
    const forms = parseForms(page.body);
    assert.equal(forms.filter((f) => f.action === '/_sso/sessions/end').length, 3, 'one per session and "all others"');
    const done = await here.submitForm(page, {}, { match: (f) => f.fields.some((x) => x.name === 'id' && x.value === 'others') });
    assert.equal(done.status, 303);
    assert.equal(new URL(done.location, worker().url).pathname, '/_sso/sessions');
    await assertNoSession(other, worker().url);
    await assertSession(here, worker().url);
  });

  test('ending one session by id, the current one (signed out here), others; unknown and cross-user ids are 404', async () => {
    const email = freshEmail();
    const [a, b, c] = [await signIn(email), await signIn(email), await signIn(email)];
    const stranger = await signIn(freshEmail());
    const [strangerId] = (await listJson(stranger)).map((s) => s.id);
    const cross = await end(a, strangerId);
    assert.equal(cross.status, 404, 'another user\'s session id');
    await assertSession(stranger, worker().url, {}, 'nothing ended');
    assert.equal((await end(a, 'f'.repeat(32))).status, 404);

    const listed = await listJson(a);
    const bId = (await listJson(b)).find((s) => s.current).id;
    assert.ok(listed.some((s) => s.id === bId));
    const one = await end(a, bId);
    assert.equal(one.status, 200);
    assert.deepEqual(one.json(), { ended: 1 });
    await assertNoSession(b, worker().url);
    assert.equal((await end(a, bId)).status, 404, 'already ended');

    const json = await a.post(`${worker().url}/_sso/sessions/end`, JSON.stringify({ id: 'others' }), {
      origin: worker().url,
      accept: 'application/json',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(json.status, 200);
    assert.deepEqual(json.json(), { ended: 1 });
    await assertNoSession(c, worker().url);

    const selfId = (await listJson(a)).find((s) => s.current).id;
    const self = await end(a, selfId);
    assert.equal(self.status, 200);
    assert.ok(self.setCookies.some((k) => k.name === 'sso_session' && k.maxAge === 0), 'the cookie is cleared');
    await assertNoSession(a, worker().url);
  });

  test('cross-origin POSTs are 403 and end nothing', async () => {
    const email = freshEmail();
    const [a, b] = [await signIn(email), await signIn(email)];
    const evil = await end(a, 'others', { origin: 'https://evil.example' });
    assert.equal(evil.status, 403);
    const none = await a.post(`${worker().url}/_sso/sessions/end`, { id: 'others' }, { accept: 'application/json' });
    assert.equal(none.status, 403, 'neither Origin nor Sec-Fetch-Site');
    await assertSession(b, worker().url);
  });
});
