// Faults in edge-sso's neighbours (issue 7): an identity provider that is down, slow
// beyond the 10 s bound, or answering 5xx/garbage at discovery, JWKS and token
// endpoints; an origin that is down during provisioning and during proxying; a Durable
// Object that cannot be used. Each gives the contract's clear error (interface.md §2:
// IdP misbehaving 502, IdP or provisioning unreachable 503) and leaves every existing
// session intact. Last, the worker's log of everything this file did holds no secret.
//
// Every IdP fault has its own org and provider, so cached discovery documents and key
// sets never hide a fault.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startStack, assertLoggedIn, assertNoSession, assertSession, describeFlow } from '../support/stack.mjs';
import { Browser, sessionOf } from '../support/browser.mjs';
import { startWorker, defaultSessionSecret } from '../support/worker.mjs';
import { unreachableUrl, sleep } from '../support/net.mjs';
import { BACKCHANNEL_LOGOUT_EVENT } from '../support/test-provider.mjs';

const FAULT_ORGS = [
  'disc-refused', 'disc-500', 'disc-503', 'disc-garbage', 'disc-reset', 'disc-html',
  'jwks-refused', 'jwks-500', 'jwks-garbage', 'jwks-reset',
  'token-refused', 'token-500', 'token-garbage', 'token-reset', 'token-hang', 'token-slow',
  'idp-dies',
];

let stack;
/** Bystanders: signed in before any fault, checked before and after each one. */
const bystanders = [];
/** Everything that must never appear in the worker's log (see "log hygiene"). */
const secrets = new Set([defaultSessionSecret]);

before(async () => {
  stack = await startStack({ orgs: ['stable', ...FAULT_ORGS], provisioning: true });
  for (const p of Object.values(stack.providers)) secrets.add(p.clientSecret);
  for (const email of ['ann@stable.test', 'bob@stable.test']) {
    bystanders.push({ email, browser: await signIn(email) });
  }
});
after(async () => {
  await stack?.stop();
});

const provider = (org) => stack.providers[org];

/** A fresh browser signed in as `email`; remembers its cookie and email as secrets. */
async function signIn(email) {
  const browser = new Browser();
  const flow = await stack.login(browser, { email });
  await assertLoggedIn(flow, browser, stack.worker.url, { email });
  remember(browser, email);
  return browser;
}

/** Adds a browser's cookies and an email to the values the log must not contain. */
function remember(browser, email) {
  for (const cookie of browser.jar.values()) if (cookie.value) secrets.add(cookie.value);
  if (email) secrets.add(email);
}

/** Every bystander still has their session and still reaches the origin. */
async function assertBystandersIntact(message, { origin = true } = {}) {
  for (const { email, browser } of bystanders) {
    await assertSession(browser, stack.worker.url, { email }, `${message}: ${email}'s session`);
    if (origin) {
      const page = await browser.get(stack.url('/still-here'), { accept: 'application/json' });
      assert.equal(page.status, 200, `${message}: ${email} still reaches the origin (${page.body.slice(0, 200)})`);
    }
  }
}

/**
 * Runs a login of a new user of `org` and expects it to stop with `statuses` (a number
 * or a list) at the first step that did not redirect (`step`: 'login' or 'callback'),
 * with no session, a clean error body and every bystander intact.
 */
async function expectFault(org, statuses, { step, message = org } = {}) {
  await assertBystandersIntact(`before ${message}`);
  const browser = new Browser();
  const email = `victim-${Date.now()}@${org}.test`;
  const flow = await stack.login(browser, { email });
  remember(browser, email);
  const failed = step ? flow[step] : (flow.callback ?? flow.login);
  assert.ok(failed, `the login reached the ${step} step: ${describeFlow(flow)}`);
  const allowed = [statuses].flat();
  assert.ok(allowed.includes(failed.status), `${message}: expected ${allowed.join(' or ')}\n${describeFlow(flow)}`);
  assertCleanError(failed, message);
  assert.equal(failed.setCookies.some((c) => c.name === 'sso_session' && c.value && c.maxAge !== 0), false,
    `${message}: no session cookie`);
  await assertNoSession(browser, stack.worker.url, `${message}: no session`);
  await assertBystandersIntact(`after ${message}`);
  return { flow, failed };
}

/** An error answer of the worker: HTML page for a browser, no internals, `no-store`. */
function assertCleanError(response, message) {
  assert.match(response.headers.get('content-type') ?? '', /text\/html/, `${message}: an HTML page for the browser`);
  assert.equal(response.headers.get('cache-control'), 'no-store', `${message}: no-store`);
  assert.doesNotMatch(response.body, /panicked|RuntimeError|unreachable executed|\.rs:\d+|stack backtrace/i,
    `${message}: no internals in the answer`);
}

/** A handler for `script()` that drops the connection without answering. */
const resetConnection = (req) => req.socket.destroy();

describe('identity provider down, misbehaving or slow', () => {
  describe('discovery', () => {
    test('connection refused: 503 at the login start', async () => {
      await provider('disc-refused').stop();
      await expectFault('disc-refused', 503, { step: 'login' });
    });

    test('answering 500: 502 (or 503), nothing cached — the next login succeeds once it recovers', async () => {
      provider('disc-500').script('discovery', { status: 500, body: 'internal error', times: 1 });
      await expectFault('disc-500', [502, 503], { step: 'login' });
      const browser = new Browser();
      const flow = await stack.login(browser, { email: 'later@disc-500.test' });
      await assertLoggedIn(flow, browser, stack.worker.url, { org: 'disc-500' });
      remember(browser, 'later@disc-500.test');
    });

    test('answering 503 (maintenance): 502 or 503', async () => {
      provider('disc-503').script('discovery', { status: 503, body: '<html>maintenance</html>', headers: { 'content-type': 'text/html' } });
      await expectFault('disc-503', [502, 503], { step: 'login' });
    });

    test('garbage instead of JSON: 502', async () => {
      provider('disc-garbage').script('discovery', { garbage: true });
      await expectFault('disc-garbage', 502, { step: 'login' });
      assert.equal(provider('disc-garbage').count('authorize'), 0, 'the browser is not sent to a broken IdP');
    });

    test('an HTML page with status 200: 502', async () => {
      provider('disc-html').script('discovery', {
        status: 200, body: '<!doctype html><p>Sign in to continue</p>', headers: { 'content-type': 'text/html' },
      });
      await expectFault('disc-html', 502, { step: 'login' });
    });

    test('connection reset without an answer: 503 (or 502)', async () => {
      provider('disc-reset').script('discovery', { handler: resetConnection });
      await expectFault('disc-reset', [503, 502], { step: 'login' });
    });
  });

  describe('JWKS', () => {
    test('connection refused: 503 at the callback', async () => {
      const dead = await unreachableUrl('/jwks');
      provider('jwks-refused').hooks.discovery = (doc) => ({ ...doc, jwks_uri: dead });
      await expectFault('jwks-refused', 503, { step: 'callback' });
    });

    test('answering 500: 502 (or 503) at the callback', async () => {
      provider('jwks-500').script('jwks', { status: 500, body: 'oops' });
      await expectFault('jwks-500', [502, 503], { step: 'callback' });
    });

    test('garbage instead of JSON: 502 at the callback', async () => {
      provider('jwks-garbage').script('jwks', { garbage: true });
      await expectFault('jwks-garbage', 502, { step: 'callback' });
    });

    test('connection reset without an answer: 503 (or 502) at the callback', async () => {
      provider('jwks-reset').script('jwks', { handler: resetConnection });
      await expectFault('jwks-reset', [503, 502], { step: 'callback' });
    });
  });

  describe('token endpoint', () => {
    test('connection refused: 503 at the callback', async () => {
      const dead = await unreachableUrl('/token');
      provider('token-refused').hooks.discovery = (doc) => ({ ...doc, token_endpoint: dead });
      await expectFault('token-refused', 503, { step: 'callback' });
    });

    test('answering 500: 502 (or 503) at the callback', async () => {
      provider('token-500').script('token', { status: 500, body: '{"error":"server_error"}' });
      await expectFault('token-500', [502, 503], { step: 'callback' });
    });

    test('garbage with status 200: 502 at the callback', async () => {
      provider('token-garbage').script('token', { garbage: true });
      await expectFault('token-garbage', 502, { step: 'callback' });
    });

    test('connection reset without an answer: 503 (or 502) at the callback', async () => {
      provider('token-reset').script('token', { handler: resetConnection });
      await expectFault('token-reset', [503, 502], { step: 'callback' });
    });

    test('slow but within the bound (2 s): the login succeeds', async () => {
      provider('token-slow').script('token', { delayMs: 2000, times: 1 });
      const browser = new Browser();
      const flow = await stack.login(browser, { email: 'patient@token-slow.test' });
      await assertLoggedIn(flow, browser, stack.worker.url, { org: 'token-slow' });
      remember(browser, 'patient@token-slow.test');
    });

    test('never answering: 503 after the 10 s bound; other users are served meanwhile', async () => {
      const p = provider('token-hang');
      p.script('token', { hang: true });
      await assertBystandersIntact('before the hang');
      const browser = new Browser({ timeoutMs: 60_000 });
      const email = 'stuck@token-hang.test';
      const flow = {};
      flow.login = await browser.get(new URL(`/_sso/login?email=${encodeURIComponent(email)}`, stack.worker.url).href);
      assert.equal(flow.login.status, 302, describeFlow(flow));
      flow.authorize = await browser.get(flow.login.location);
      assert.equal(flow.authorize.status, 302, describeFlow(flow));
      const started = Date.now();
      const callback = browser.get(flow.authorize.location);
      // While the callback waits for the token endpoint, everyone else is served promptly.
      await sleep(1000);
      const during = Date.now();
      await assertBystandersIntact('while a callback hangs');
      // Blocked behind the hang, they would end only with it, 9 s from `during` or later.
      assert.ok(Date.now() - during < 8000, 'other requests are not blocked by the hanging call');
      flow.callback = await callback;
      const elapsed = Date.now() - started;
      remember(browser, email);
      assert.equal(flow.callback.status, 503, describeFlow(flow));
      // The token endpoint never answers, so the 503 can only come from the worker's own
      // 10 s bound: not before it, and (however loaded the machine) long before the
      // browser's 60 s. How close to 10 s is the bench's business, not this test's.
      assert.ok(elapsed >= 9_000 && elapsed < 40_000, `answered after ${elapsed} ms (bound: 10 s)`);
      assertCleanError(flow.callback, 'token endpoint hang');
      await assertNoSession(browser, stack.worker.url, 'no session after the timeout');
      assert.equal(p.count('token'), 1, 'the code is not exchanged twice');
      await assertBystandersIntact('after the hang');
    });
  });

  test('an IdP that goes down after users signed in: their sessions stay valid and usable', async () => {
    const p = provider('idp-dies');
    const before = [await signIn('u1@idp-dies.test'), await signIn('u2@idp-dies.test')];
    await p.stop();
    for (const [i, browser] of before.entries()) {
      await assertSession(browser, stack.worker.url, { org: 'idp-dies' }, `idp-dies user ${i + 1}`);
      const page = await browser.get(stack.url('/work'), { accept: 'application/json' });
      assert.equal(page.status, 200, 'the origin is reached without the IdP');
    }
    // A forged back-channel logout (right kid, wrong key) cannot end them while the IdP is away.
    const forger = p.newKey({ kid: 'rsa-1' });
    const forged = await fetch(stack.url('/_sso/backchannel-logout'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: p.logoutToken({ sub: p.userFor('u1@idp-dies.test').sub }, { key: forger }) }),
    });
    assert.equal(forged.status, 400, `a forged logout token: ${forged.status}`);
    for (const browser of before) await assertSession(browser, stack.worker.url, { org: 'idp-dies' });
    await assertBystandersIntact('after the IdP went down');
  });
});

describe('origin down', () => {
  test('during provisioning: 503, no session; the next login provisions and succeeds', async () => {
    await assertBystandersIntact('before the origin goes down');
    const email = `newcomer-${Date.now()}@stable.test`;
    await stack.origin.goOffline();
    try {
      const browser = new Browser();
      const flow = await stack.login(browser, { email });
      remember(browser, email);
      assert.equal(flow.callback?.status, 503, describeFlow(flow));
      assertCleanError(flow.callback, 'provisioning unreachable');
      await assertNoSession(browser, stack.worker.url, 'no session without provisioning');
      await assertBystandersIntact('while the origin is down', { origin: false });
    } finally {
      await stack.origin.goOnline();
    }
    const browser = new Browser();
    const calls = stack.origin.provisionCalls.length;
    const flow = await stack.login(browser, { email });
    await assertLoggedIn(flow, browser, stack.worker.url, { email });
    remember(browser, email);
    assert.equal(stack.origin.provisionCalls.length, calls + 1, 'provisioned on the next login');
    await assertBystandersIntact('after the origin came back');
  });

  test('during proxying: a clean 502 for API calls and navigations; the session survives', async () => {
    const { browser } = bystanders[0];
    await stack.origin.goOffline();
    try {
      const api = await browser.get(stack.url('/api/items?page=2'), { accept: 'application/json' });
      assert.ok(api.status >= 500 && api.status <= 504, `API call to a dead origin: ${api.status}`);
      assert.equal(api.status, 502, 'the contract-style answer for an unreachable application');
      assert.deepEqual(Object.keys(api.json()).sort(), ['error', 'error_description']);
      const page = await browser.get(stack.url('/dashboard'));
      assert.equal(page.status, 502, 'navigation to a dead origin');
      assertCleanError(page, 'dead origin');
      const post = await browser.post(stack.url('/api/items'), JSON.stringify({ a: 1 }), {
        accept: 'application/json', headers: { 'content-type': 'application/json' },
      });
      assert.equal(post.status, 502, 'a POST to a dead origin');
      for (const r of [api, page, post]) {
        assert.equal(r.setCookies.some((c) => c.name === 'sso_session'), false, 'the session cookie is left alone');
      }
      await assertBystandersIntact('while the origin is down', { origin: false });
    } finally {
      await stack.origin.goOnline();
    }
    await assertBystandersIntact('after the origin came back');
    const again = await browser.get(stack.url('/api/items?page=2'), { accept: 'application/json' });
    assert.equal(again.status, 200);
    assert.equal(again.body, 'origin saw GET /api/items');
  });

  test('during proxying, a connection reset by the origin: 502, session intact', async () => {
    // An "origin" that accepts connections and drops them at once.
    const server = net.createServer((socket) => socket.destroy());
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const config = { ...stack.config, origin: `http://127.0.0.1:${server.address().port}` };
    const worker = await startWorker({ sso: config });
    try {
      const browser = new Browser();
      const flow = await stack.login(browser, { email: 'reset@stable.test', start: `${worker.url}/_sso/login?email=reset%40stable.test` });
      // The provider redirects to this worker's callback (redirect_uri comes from its base_url).
      assert.equal(flow.callback?.status, 302, describeFlow(flow));
      remember(browser, 'reset@stable.test');
      const api = await browser.get(`${worker.url}/api`, { accept: 'application/json' });
      assert.equal(api.status, 502, `origin resets the connection: ${api.status} ${api.body}`);
      const { status } = await sessionOf(browser, worker.url);
      assert.equal(status, 200, 'the session survives');
    } finally {
      await worker.stop();
      server.close();
    }
  });
});

describe('Durable Object failure', () => {
  /** A worker with the same configuration and secret as the stack's, minus `bindings`. */
  async function brokenWorker(bindings) {
    return startWorker({ sso: stack.config, dropBindings: bindings });
  }

  /** POSTs a back-channel logout token for `email` of `org` to `workerUrl`. */
  function backchannel(workerUrl, org, email) {
    const p = provider(org);
    const token = p.logoutToken({ sub: p.userFor(email).sub });
    return fetch(`${workerUrl}/_sso/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }),
    });
  }

  test('the session store binding is missing: 503 for protected requests, healthz still answers, the log names the problem', async () => {
    const worker = await brokenWorker(['SSO_SESSIONS']);
    try {
      const startOfLog = worker.logs().length;
      const health = await fetch(`${worker.url}/_sso/healthz`);
      assert.equal(health.status, 200, 'healthz answers');
      assert.equal(await health.text(), 'ok');

      // The bystander's cookie (same secret, so it verifies) cannot be checked: 503, not a crash.
      const { browser, email } = bystanders[0];
      const session = await sessionOf(browser, worker.url);
      assert.equal(session.status, 503, `/_sso/session: ${session.status} ${JSON.stringify(session.body)}`);
      assert.equal(session.body.error, 'temporarily_unavailable');
      const api = await browser.get(`${worker.url}/api/data`, { accept: 'application/json' });
      assert.equal(api.status, 503, `protected API call: ${api.status} ${api.body}`);
      assert.deepEqual(Object.keys(api.json()).sort(), ['error', 'error_description']);
      const page = await browser.get(`${worker.url}/dashboard`);
      assert.equal(page.status, 503, 'protected navigation');
      assertCleanError(page, 'session store missing');
      assert.equal(page.setCookies.some((c) => c.name === 'sso_session'), false, 'the cookie is not cleared');

      // Without a cookie nothing needs the store: the usual redirect / 401.
      const anonymous = new Browser();
      assert.equal((await anonymous.get(`${worker.url}/dashboard`)).status, 302);
      assert.equal((await anonymous.get(`${worker.url}/api`, { accept: 'application/json' })).status, 401);

      // A login cannot finish (the state is single-use, kept in the store): 503.
      const flow = await stack.login(anonymous, { email: 'dora@stable.test', start: `${worker.url}/_sso/login?email=dora%40stable.test` });
      remember(anonymous, 'dora@stable.test');
      assert.equal(flow.callback?.status, 503, describeFlow(flow));
      assertCleanError(flow.callback, 'login without the store');

      // Revocations cannot be done: 503 for both (the IdP retries; the request was not bad).
      const bcl = await backchannel(worker.url, 'stable', email);
      assert.equal(bcl.status, 503, `back-channel logout: ${bcl.status}`);
      const ulo = await fetch(`${worker.url}/_sso/global-token-revocation`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${provider('stable').universalLogoutToken({ aud: `${worker.url}/_sso/global-token-revocation` })}`,
        },
        body: JSON.stringify({ sub_id: { format: 'email', email } }),
      });
      assert.equal(ulo.status, 503, `Universal Logout: ${ulo.status}`);
      assert.equal((await fetch(`${worker.url}/_sso/healthz`)).status, 200, 'healthz still answers afterwards');

      const log = await logAfter(worker, startOfLog, /"status":503,"reason":"session store[^"]*"/);
      if (process.env.E2E_SHOW_LOG) console.log(log);
      assertNoSecrets(log, 'the broken worker\'s log');
    } finally {
      await worker.stop();
    }
    // The real store was never touched: the bystanders are intact on the healthy worker.
    await assertBystandersIntact('after the Durable Object failure elsewhere');
  });

  test('the state store binding is missing: jwks and logins get a clean 503, healthz still answers', async () => {
    const { provisioning, ...config } = stack.config;
    const worker = await startWorker({ sso: config, dropBindings: ['SSO_STATE'] });
    try {
      const startOfLog = worker.logs().length;
      assert.equal((await fetch(`${worker.url}/_sso/healthz`)).status, 200);
      const jwks = await fetch(`${worker.url}/_sso/jwks.json`);
      assert.equal(jwks.status, 503, `/_sso/jwks.json without its key store: ${jwks.status}`);
      // The key that names the session stores is kept in the state store (it must not
      // change when SSO_SESSION_SECRET rotates): without it no session is created where
      // a revocation could not find it.
      const browser = new Browser();
      const flow = await stack.login(browser, { email: 'erin@stable.test', start: `${worker.url}/_sso/login?email=erin%40stable.test` });
      assert.equal(flow.callback?.status, 503, describeFlow(flow));
      assertCleanError(flow.callback, 'state store missing');
      assert.equal((await sessionOf(browser, worker.url)).status, 401, 'no session was created');
      const page = await browser.get(`${worker.url}/dashboard`);
      assert.equal(page.status, 302, 'a protected navigation still goes to sign-in, never a 5xx loop of its own');
      const log = await logAfter(worker, startOfLog, /"status":503,"reason":"state (binding|call)[^"]*"/);
      if (process.env.E2E_SHOW_LOG) console.log(log);
      assertNoSecrets(log, 'the broken worker\'s log');
    } finally {
      await worker.stop();
    }
    await assertBystandersIntact('after the state store failure elsewhere');
  });
});

/** Waits until the part of `worker`'s log after `offset` matches `re`; answers that part. */
async function logAfter(worker, offset, re, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const log = worker.logs().slice(offset);
    if (re.test(log)) return log;
    if (Date.now() > deadline) assert.fail(`the log never matched ${re}:\n${log}`);
    await sleep(50);
  }
}

/** Asserts that `log` contains none of the collected secrets (nor a JWT). */
function assertNoSecrets(log, what) {
  for (const value of secrets) {
    if (!value || value.length < 6) continue;
    assert.equal(log.includes(value), false, `${what} contains a secret value (${value.slice(0, 12)}…)`);
  }
  assert.doesNotMatch(log, /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}/, `${what} contains a JWT`);
}

describe('log hygiene', () => {
  test('after a login, a request, an RP-initiated logout and a back-channel logout, the log holds no cookie, token, code, secret or email', async () => {
    const startOfLog = stack.worker.logs().length;
    const p = provider('stable');
    const email = 'hygiene@stable.test';
    const browser = new Browser();
    const tokensBefore = p.count('token');
    const flow = await stack.login(browser, { email, returnTo: '/private?x=1' });
    await assertLoggedIn(flow, browser, stack.worker.url, { email });
    const cookie = browser.cookie('sso_session').value;
    const loginState = flow.login.setCookies.find((c) => c.name !== 'sso_session');
    const { code, state } = Object.fromEntries(new URL(flow.authorize.location).searchParams);
    const idToken = p.requests.token[tokensBefore].idToken;
    assert.ok(cookie && code && state && idToken && loginState, 'collected the login\'s secrets');
    assert.equal((await browser.get(stack.url('/private?x=1'), { accept: 'application/json' })).status, 200);

    // RP-initiated logout.
    const signOut = await browser.submitForm(await browser.get(stack.url('/_sso/logout')), {});
    assert.equal(signOut.status, 303);
    await assertNoSession(browser, stack.worker.url);

    // A second session of the same user, ended by the IdP over the back channel.
    const second = new Browser();
    await assertLoggedIn(await stack.login(second, { email }), second, stack.worker.url);
    const secondCookie = second.cookie('sso_session').value;
    const logoutToken = p.logoutToken({ sub: p.userFor(email).sub });
    const bcl = await fetch(stack.url('/_sso/backchannel-logout'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: logoutToken }),
    });
    assert.equal(bcl.status, 200);
    await assertNoSession(second, stack.worker.url);
    await logAfter(stack.worker, startOfLog, /"event":"backchannel_logout","org":"stable","outcome":"ok"/);
    await sleep(200); // let any straggling line arrive

    const log = stack.worker.logs().slice(startOfLog);
    assert.match(log, /"event":"callback"/, `the worker did log the login:\n${log}`);
    const forbidden = {
      'the session cookie': cookie,
      'the second session cookie': secondCookie,
      'the login-state cookie': loginState.value,
      'the authorization code': code,
      'the state': state,
      'the ID token': idToken,
      'the ID token signature': idToken.split('.')[2],
      'the ID token payload': idToken.split('.')[1],
      'the logout token': logoutToken,
      'the client secret': p.clientSecret,
      'the session secret': defaultSessionSecret,
      'the email': email,
      'the subject': p.userFor(email).sub,
    };
    for (const [what, value] of Object.entries(forbidden)) {
      if (!value) continue;
      assert.equal(log.includes(value), false, `the log contains ${what}:\n${log}`);
    }
    for (const line of log.split('\n').filter((l) => l.includes('{"event"'))) {
      const entry = JSON.parse(line.slice(line.indexOf('{"event"')));
      assert.ok(entry.event && entry.outcome && entry.request_id, `a structured log line: ${line}`);
    }
  });

  test('the whole log of this file (every fault above included) holds no cookie, email, code, token or secret', async () => {
    for (const p of Object.values(stack.providers)) {
      for (const r of p.requests.token) if (r.idToken) secrets.add(r.idToken);
      for (const r of p.requests.authorize) if (r.code) secrets.add(r.code);
    }
    const log = stack.worker.logs();
    const banner = log.indexOf('Ready on');
    assertNoSecrets(log.slice(banner), 'the worker log');
  });
});
