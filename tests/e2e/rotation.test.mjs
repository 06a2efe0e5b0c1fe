// Rotating SSO_SESSION_SECRET without signing everyone out: with the old secret in
// SSO_SESSION_SECRET_PREVIOUS, cookies made with it still verify while new ones use the
// new secret; the session stores keep their Durable Object names, so revocations still
// reach sessions created before the rotation, and after it is finished.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startWorker, tmpRoot, randomSecret } from '../support/worker.mjs';
import { startTestProvider } from '../support/test-provider.mjs';
import { startTestOrigin } from '../support/test-origin.mjs';
import { Browser, loginWithTestProvider } from '../support/browser.mjs';
import { assertLoggedIn, assertNoSession, assertSession } from '../support/stack.mjs';
import { freePort } from '../support/net.mjs';

const OLD = randomSecret(32);
const NEW = randomSecret(32);

let provider;
let origin;
let state;
let sso;
before(async () => {
  [provider, origin] = await Promise.all([startTestProvider(), startTestOrigin()]);
  fs.mkdirSync(tmpRoot, { recursive: true });
  state = fs.mkdtempSync(path.join(tmpRoot, 'rotation-'));
  sso = { origin: origin.url, orgs: [provider.org({ id: 'acme', domains: ['acme.test'] })] };
});
after(async () => {
  await Promise.allSettled([provider?.stop(), origin?.stop()]);
  if (state && !process.env.E2E_KEEP_TMP) fs.rmSync(state, { recursive: true, force: true });
});

let port;
const running = new Set();
after(() => Promise.allSettled([...running].map((w) => w.stop())));

/** A worker on the shared Durable Object state and the same port (so the same redirect_uri), with these secrets. */
async function workerWith(secrets) {
  port ??= await freePort();
  const worker = await startWorker({ sso, state, secrets, port });
  running.add(worker);
  const stop = worker.stop;
  worker.stop = async () => {
    running.delete(worker);
    await stop();
  };
  return worker;
}

async function signIn(worker, email) {
  const browser = new Browser();
  const flow = await loginWithTestProvider(browser, worker.url, { email });
  await assertLoggedIn(flow, browser, worker.url, { email });
  return browser;
}

/** Back-channel logout of `email` by `sub` at `worker`. */
async function logoutBySub(worker, email) {
  const res = await fetch(`${worker.url}/_sso/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: provider.logoutToken({ sub: provider.userFor(email).sub }) }),
  });
  assert.equal(res.status, 200, await res.text());
}

test('a rotation keeps everyone signed in, and revocations keep reaching every session', { timeout: 120_000 }, async () => {
  // Before: everything under the old secret.
  let worker = await workerWith({ SSO_SESSION_SECRET: OLD });
  const ana = await signIn(worker, 'ana@acme.test');
  const bo = await signIn(worker, 'bo@acme.test');
  // A login started before the rotation and finished during it.
  const carla = new Browser();
  const started = await carla.get(`${worker.url}/_sso/login?email=carla%40acme.test`);
  assert.equal(started.status, 302);
  await worker.stop();

  // During: new secret, old one as SSO_SESSION_SECRET_PREVIOUS.
  worker = await workerWith({ SSO_SESSION_SECRET: NEW, SSO_SESSION_SECRET_PREVIOUS: OLD });
  await assertSession(ana, worker.url, { email: 'ana@acme.test' }, 'an old-secret cookie still verifies');
  const authorize = await carla.get(started.location);
  const callback = await carla.get(authorize.location);
  assert.equal(callback.status, 302, `a login started under the old secret completes: ${callback.body}`);
  await assertSession(carla, worker.url, { email: 'carla@acme.test' });
  const dee = await signIn(worker, 'dee@acme.test');
  await logoutBySub(worker, 'bo@acme.test');
  await assertNoSession(bo, worker.url, 'a session from before the rotation is still found by a revocation');
  await worker.stop();

  // After: only the new secret.
  worker = await workerWith({ SSO_SESSION_SECRET: NEW });
  await assertSession(dee, worker.url, { email: 'dee@acme.test' }, 'a new-secret cookie verifies');
  await assertNoSession(ana, worker.url, 'an old-secret cookie no longer does once the previous secret is gone');
  await logoutBySub(worker, 'dee@acme.test');
  await assertNoSession(dee, worker.url, 'revocations still reach sessions created during the rotation');
  const eve = await signIn(worker, 'eve@acme.test');
  await logoutBySub(worker, 'eve@acme.test');
  await assertNoSession(eve, worker.url, 'and sessions created after it');
  await worker.stop();
});

test('SSO_SESSION_SECRET_PREVIOUS shorter than 32 bytes is a configuration error naming it', async () => {
  const worker = await startWorker({ sso, secrets: { SSO_SESSION_SECRET: NEW, SSO_SESSION_SECRET_PREVIOUS: 'short' }, healthy: false });
  try {
    const res = await fetch(`${worker.url}/_sso/session`);
    assert.equal(res.status, 500);
    await worker.waitForLog(/SSO_SESSION_SECRET_PREVIOUS: must be at least 32 bytes/);
    assert.ok(!worker.logs().includes(NEW), 'no secret in the log');
  } finally {
    await worker.stop();
  }
});
