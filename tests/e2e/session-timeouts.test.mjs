// Session timeouts (interface.md §3): the idle timeout slides with use, the absolute
// timeout does not, an expired session is unauthenticated everywhere (API call, session
// check, navigation). And when the operator changes `session.*`, sessions already
// granted are held to the stricter of what they were granted and what is configured now:
// lowering a timeout ends them sooner, raising one never extends them.
//
// Session times are whole Unix seconds, so each wait below keeps at least one second
// away from the boundary it tests.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startStack, assertLoggedIn, assertNoSession } from '../support/stack.mjs';
import { startWorker, tmpRoot } from '../support/worker.mjs';
import { loginWithTestProvider, sessionOf } from '../support/browser.mjs';
import { sleep } from '../support/net.mjs';

/** Signs a new user in on `stack`; answers their browser. */
async function signIn(stack, email) {
  const browser = stack.browser();
  await assertLoggedIn(await stack.login(browser, { email }), browser, stack.worker.url, { email });
  return browser;
}

/** Asserts the session is gone for every kind of request. */
async function assertExpired(browser, workerUrl, message) {
  await assertNoSession(browser, workerUrl, `${message}: /_sso/session`);
  const api = await browser.get(new URL('/api/data', workerUrl).href, { accept: 'application/json' });
  assert.equal(api.status, 401, `${message}: API call`);
  const page = await browser.get(new URL('/dashboard', workerUrl).href);
  assert.equal(page.status, 302, `${message}: navigation`);
  assert.match(page.location, /\/_sso\/login\?return_to=%2Fdashboard$/);
}

describe('idle timeout', () => {
  let stack;
  before(async () => {
    stack = await startStack({ sso: { session: { idle_timeout_secs: 4, absolute_timeout_secs: 3600 } } });
  });
  after(() => stack?.stop());

  test('use keeps the session alive past the idle timeout; 4 s unused ends it', async () => {
    const browser = await signIn(stack, 'idle@acme.test');
    await sleep(2_000);
    assert.equal((await sessionOf(browser, stack.worker.url)).status, 200, '2 s after login');
    await sleep(2_000);
    // 4 s after login: only the use at 2 s keeps it alive.
    const session = await sessionOf(browser, stack.worker.url);
    assert.equal(session.status, 200, '4 s after login, 2 s after the last use');
    assert.ok(session.body.expires_at > Math.floor(Date.now() / 1000), 'expires_at lies ahead');
    await sleep(5_000);
    await assertExpired(browser, stack.worker.url, '5 s unused');
  });
});

describe('absolute timeout', () => {
  let stack;
  before(async () => {
    stack = await startStack({ sso: { session: { idle_timeout_secs: 3600, absolute_timeout_secs: 4 } } });
  });
  after(() => stack?.stop());

  test('the session ends 4 s after login however much it is used, and says so in expires_at', async () => {
    const loginAt = Math.floor(Date.now() / 1000);
    const browser = await signIn(stack, 'absolute@acme.test');
    const first = await sessionOf(browser, stack.worker.url);
    assert.ok(first.body.expires_at <= loginAt + 5, `expires_at ${first.body.expires_at} is the absolute end, not the idle one`);
    for (let i = 0; i < 2; i += 1) {
      await sleep(1_000);
      assert.equal((await sessionOf(browser, stack.worker.url)).status, 200, `in use after ${i + 1} s`);
    }
    while (Date.now() / 1000 < first.body.expires_at + 0.5) await sleep(250);
    await assertExpired(browser, stack.worker.url, 'past the absolute timeout');
  });
});

describe('a changed configuration and the sessions already granted', () => {
  let stack;
  let state;
  const workers = [];
  before(async () => {
    fs.mkdirSync(tmpRoot, { recursive: true });
    state = fs.mkdtempSync(path.join(tmpRoot, 'sessions-'));
    stack = await startStack({ sso: { session: { idle_timeout_secs: 3600, absolute_timeout_secs: 3600 } }, worker: { state } });
  });
  after(async () => {
    await Promise.allSettled([stack?.stop(), ...workers.map((w) => w.stop())]);
    if (!process.env.E2E_KEEP_TMP) fs.rmSync(state, { recursive: true, force: true });
  });

  /** Starts the worker again on the same sessions, with `session` as its policy. */
  async function workerWith(session) {
    const worker = await startWorker({ sso: { ...stack.config, session }, state });
    workers.push(worker);
    return worker;
  }

  test('lowering the absolute timeout ends a session granted an hour', async () => {
    const browser = await signIn(stack, 'long@acme.test');
    await stack.worker.stop();
    const strict = await workerWith({ idle_timeout_secs: 3600, absolute_timeout_secs: 1 });
    await sleep(1_100);
    await assertExpired(browser, strict.url, 'absolute timeout lowered to 1 s');
    await strict.stop();
  });

  test('raising the idle timeout does not extend a session granted 8 s', async () => {
    const short = await workerWith({ idle_timeout_secs: 8, absolute_timeout_secs: 3600 });
    const browser = stack.browser();
    const email = 'brief@acme.test';
    await assertLoggedIn(await loginWithTestProvider(browser, short.url, { email }), browser, short.url, { email });
    await short.stop();
    const generous = await workerWith({ idle_timeout_secs: 3600, absolute_timeout_secs: 3600 });
    // Read as a JSON client; no use of the session on the way (its idle time keeps running).
    const loginAt = Date.now();
    assert.equal((await sessionOf(browser, generous.url)).status, 200, 'within the 8 s granted, after the restart');
    while (Date.now() < loginAt + 9_500) await sleep(250);
    await assertExpired(browser, generous.url, 'unused for longer than the 8 s granted at login');
  });
});
