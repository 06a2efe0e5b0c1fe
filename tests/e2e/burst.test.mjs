// A bounded burst on loopback (issue 7): 50 logins at once, then 500 authenticated
// requests interleaved with logouts of other users (back-channel by sub and by sid,
// Okta Universal Logout by email, RP-initiated). No answer is a 5xx, no session is lost
// or confused with another, and no session survives its logout: the very next request
// with a logged-out cookie is unauthenticated.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, assertLoggedIn, describeFlow } from '../support/stack.mjs';
import { Browser, sessionOf } from '../support/browser.mjs';
import { decodeJwt } from '../support/jwt.mjs';

const USERS = 50;
const REQUESTS = 500;
const CONCURRENCY = 16;
const ORGS = ['acme', 'globex'];
/** How the leavers are logged out, in turn. */
const LOGOUTS = ['backchannel-sub', 'backchannel-sid', 'universal-email', 'backchannel-sub', 'rp-initiated',
  'universal-email', 'backchannel-sid', 'backchannel-sub', 'universal-email', 'backchannel-sid',
  'rp-initiated', 'backchannel-sub', 'universal-email', 'backchannel-sid', 'backchannel-sub'];

let stack;
before(async () => {
  stack = await startStack({ orgs: ORGS });
});
after(() => stack?.stop());

/** Runs `tasks` (async functions) with at most `limit` at once; answers their results in order. */
async function pool(tasks, limit) {
  const results = new Array(tasks.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  });
  await Promise.all(workers);
  return results;
}

test('50 parallel logins, then 500 authenticated requests interleaved with 15 logouts: no 5xx, no session lost, none survives its logout', async () => {
  const started = Date.now();
  /** Every answer of the worker during the burst: `{ what, status }`. */
  const answers = [];
  const record = (what, status) => {
    answers.push({ what, status });
    return status;
  };

  // 1. Fifty logins at once, alternating orgs.
  const users = Array.from({ length: USERS }, (_, i) => {
    const org = ORGS[i % ORGS.length];
    return { i, org, email: `burst${i}@${org}.test`, browser: new Browser({ timeoutMs: 30_000 }) };
  });
  const flows = await Promise.all(users.map((u) => stack.login(u.browser, { email: u.email })));
  for (const [i, flow] of flows.entries()) {
    for (const step of ['login', 'authorize', 'callback', 'final']) if (flow[step]) record(`login ${step}`, flow[step].status);
    assert.equal(flow.callback?.status, 302, `login ${i}: ${describeFlow(flow)}`);
  }
  await Promise.all(users.map((u) => assertLoggedIn(flows[u.i], u.browser, stack.worker.url, { email: u.email, org: u.org })));
  const loginsDone = Date.now();

  // Each user's IdP session id, from the ID token the provider issued for them.
  for (const org of ORGS) {
    for (const r of stack.providers[org].requests.token) {
      if (!r.idToken) continue;
      const { payload } = decodeJwt(r.idToken);
      const user = users.find((u) => u.email === payload.email);
      if (user) user.sid = payload.sid;
    }
  }
  assert.ok(users.every((u) => u.sid), 'every login has an IdP session id');

  const leavers = users.filter((u) => u.i % 10 === 3 || u.i % 10 === 7 || u.i % 10 === 9).slice(0, LOGOUTS.length);
  leavers.forEach((u, k) => { u.logout = LOGOUTS[k]; });
  const keepers = users.filter((u) => !u.logout);
  assert.equal(leavers.length, LOGOUTS.length);

  /** An authenticated API request of `user`; answers the status. */
  async function request(user, n) {
    const path = `/app/u${user.i}/r${n}`;
    const response = await user.browser.get(stack.url(path), { accept: 'application/json' });
    return record(`request ${path}`, response.status);
  }

  /** Logs `user` out the way they were assigned; answers the status of the logout call. */
  async function logOut(user) {
    const p = stack.providers[user.org];
    const { sub } = p.userFor(user.email);
    const backchannel = (claims) => fetch(stack.url('/_sso/backchannel-logout'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: p.logoutToken(claims) }),
    });
    let response;
    switch (user.logout) {
      case 'backchannel-sub':
        response = await backchannel({ sub });
        break;
      case 'backchannel-sid':
        response = await backchannel({ sid: user.sid });
        break;
      case 'universal-email': {
        const endpoint = stack.url('/_sso/global-token-revocation');
        response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${p.universalLogoutToken({ aud: endpoint })}` },
          body: JSON.stringify({ sub_id: { format: 'email', email: user.email } }),
        });
        break;
      }
      case 'rp-initiated': {
        const r = await user.browser.post(stack.url('/_sso/logout'), {}, { origin: new URL(stack.worker.url).origin });
        return record(`logout ${user.logout}`, r.status);
      }
      default:
        throw new Error(user.logout);
    }
    await response.arrayBuffer();
    return record(`logout ${user.logout}`, response.status);
  }

  /**
   * A leaver's life: two requests, the logout, then (immediately after the logout
   * answered) the same cookie must be unauthenticated — API call, session check, navigation.
   */
  async function leave(user) {
    for (let n = 0; n < 2; n += 1) assert.equal(await request(user, `before-${n}`), 200, `${user.email} before the logout`);
    const status = await logOut(user);
    const expected = { 'backchannel-sub': 200, 'backchannel-sid': 200, 'universal-email': 204, 'rp-initiated': 303 }[user.logout];
    assert.equal(status, expected, `${user.logout} of ${user.email}`);
    if (user.logout === 'rp-initiated') {
      // The browser dropped its cookie; what matters is that the cookie itself is dead.
      user.browser.setCookie(stack.worker.url, `sso_session=${user.cookie}; Path=/`);
    }
    user.loggedOutAt = Date.now();
    assert.equal(await request(user, 'after'), 401, `${user.email}: the very next request after ${user.logout}`);
    const session = await sessionOf(user.browser, stack.worker.url);
    record('session after logout', session.status);
    assert.equal(session.status, 401, `${user.email}: /_sso/session after ${user.logout}`);
    const page = await user.browser.get(stack.url('/dashboard'));
    record('navigation after logout', page.status);
    assert.equal(page.status, 302, `${user.email}: a navigation goes through login again`);
  }
  for (const u of users) u.cookie = u.browser.cookie('sso_session').value;

  // 2. The burst: 500 keeper requests with the 15 leavers' lives spread among them.
  const tasks = [];
  const every = Math.floor(REQUESTS / leavers.length);
  for (let n = 0; n < REQUESTS; n += 1) {
    const keeper = keepers[n % keepers.length];
    tasks.push(async () => {
      const status = n % 7 === 0
        ? record('session', (await sessionOf(keeper.browser, stack.worker.url)).status)
        : await request(keeper, n);
      assert.equal(status, 200, `keeper ${keeper.email}, request ${n}`);
    });
    if (n % every === every - 1 && leavers[Math.floor(n / every)]) {
      const leaver = leavers[Math.floor(n / every)];
      tasks.push(() => leave(leaver));
    }
  }
  assert.equal(tasks.length, REQUESTS + leavers.length);
  const failures = (await pool(tasks.map((task) => () => task().then(() => null, (error) => error)), CONCURRENCY)).filter(Boolean);
  const burstDone = Date.now();
  assert.deepEqual(failures.map((e) => e.message), [], 'every request and logout behaved');

  // 3. No 5xx anywhere.
  const serverErrors = answers.filter((a) => a.status >= 500);
  assert.deepEqual(serverErrors, [], 'no 5xx during the burst');

  // 4. No session confused with another: the origin saw each keeper's own identity.
  const emailOf = new Map(users.map((u) => [`u${u.i}`, u.email]));
  let checked = 0;
  for (const r of stack.origin.requests) {
    const m = /^\/app\/(u\d+)\//.exec(r.path);
    if (!m) continue;
    assert.equal(decodeURIComponent(r.headers['x-sso-email']), emailOf.get(m[1]), `identity of ${r.path}`);
    checked += 1;
  }
  assert.ok(checked >= REQUESTS * 0.8, `${checked} forwarded requests checked`);

  // 5. At the end: every keeper still signed in, every leaver out.
  const finals = await Promise.all(users.map(async (u) => ({ u, status: (await sessionOf(u.browser, stack.worker.url)).status })));
  for (const { u, status } of finals) {
    assert.equal(status, u.logout ? 401 : 200, `${u.email} at the end (${u.logout ?? 'kept'})`);
  }

  const logins = loginsDone - started;
  const burst = burstDone - loginsDone;
  console.log(`burst: ${USERS} logins in ${logins} ms; ${REQUESTS} requests + ${leavers.length} logouts in ${burst} ms; `
    + `final checks ${Date.now() - burstDone} ms; ${answers.length} answers`);
  assert.ok(Date.now() - started < 60_000, 'the whole burst stays under a minute');
});
