// `session.revalidate_secs`: with N > 0 a session checked in the last N seconds is trusted
// without asking the Durable Object, so an IdP logout takes up to N seconds to reach an
// isolate; the user's own sign-out still ends the session at once. The default, 0, is
// strict (covered by logout.test.mjs: the request right after a logout is refused).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { startTestProvider } from '../support/test-provider.mjs';
import { startTestOrigin } from '../support/test-origin.mjs';
import { Browser, loginWithTestProvider } from '../support/browser.mjs';
import { sleep } from '../support/net.mjs';
import { assertLoggedIn, assertNoSession, assertSession } from '../support/stack.mjs';

let provider;
let origin;
let worker;
before(async () => {
  [provider, origin] = await Promise.all([startTestProvider(), startTestOrigin()]);
  worker = await startWorker({ sso: { origin: origin.url, session: { revalidate_secs: 2 }, orgs: [provider.org()] } });
});
after(() => Promise.allSettled([worker?.stop(), provider?.stop(), origin?.stop()]));

async function signIn(email) {
  const browser = new Browser();
  const flow = await loginWithTestProvider(browser, worker.url, { email });
  await assertLoggedIn(flow, browser, worker.url, { email });
  return browser;
}

async function universalLogout(email) {
  const token = provider.universalLogoutToken({ aud: `${worker.url}/_sso/global-token-revocation` });
  return fetch(`${worker.url}/_sso/global-token-revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ sub_id: { format: 'email', email } }),
  });
}

test('an IdP logout reaches an isolate that vouched for the session within revalidate_secs', async () => {
  const browser = await signIn('vouched@acme.test');
  await assertSession(browser, worker.url, { email: 'vouched@acme.test' }); // now remembered by the isolate
  assert.equal((await universalLogout('vouched@acme.test')).status, 204);
  await assertSession(browser, worker.url, { email: 'vouched@acme.test' }, 'trusted for up to 2 s (the documented trade-off)');
  await sleep(2100);
  await assertNoSession(browser, worker.url, 'refused once revalidate_secs have passed');
  assert.equal(origin.lastRequest('/')?.headers['x-sso-email'], 'vouched@acme.test');
});

test('the user\'s own sign-out ends the session at once, even in revalidate mode', async () => {
  const browser = await signIn('leaving@acme.test');
  await assertSession(browser, worker.url);
  const cookie = browser.cookie('sso_session', worker.url)?.value;
  assert.ok(cookie);
  const out = await browser.post(`${worker.url}/_sso/logout`, {}, { origin: new URL(worker.url).origin });
  assert.equal(out.status, 303);
  await assertNoSession(browser, worker.url);
  const replay = new Browser();
  replay.setCookie(worker.url, `sso_session=${cookie}; Path=/`);
  await assertNoSession(replay, worker.url, 'the old cookie replayed after sign-out');
});
