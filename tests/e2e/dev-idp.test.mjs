// The worker against the real, certified development provider (dev/idp/server.mjs, built
// on oidc-provider): a user signs in through its form, and RP-initiated logout ends the
// IdP session, whose back-channel logout reaches the worker.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { startDevIdp } from '../support/dev-idp.mjs';
import { startTestOrigin } from '../support/test-origin.mjs';
import { Browser, loginWithDevIdp, parseForms, unescapeHtml } from '../support/browser.mjs';
import { assertNoSession, assertSession, verifyAssertion } from '../support/stack.mjs';
import { freePort } from '../support/net.mjs';
import { calculateJwkThumbprint } from 'jose';
import { rsaThumbprint } from '../../dev/idp/keys.mjs';

let idp;
let origin;
let worker;
before(async () => {
  const port = await freePort();
  const workerUrl = `http://127.0.0.1:${port}`;
  [idp, origin] = await Promise.all([startDevIdp({ org: 'acme', worker: workerUrl }), startTestOrigin()]);
  worker = await startWorker({
    port,
    sso: {
      origin: origin.url,
      orgs: [{
        id: 'acme',
        issuer: idp.issuer,
        client_id: idp.clientId,
        client_secret_var: 'ACME_CLIENT_SECRET',
        domains: ['acme.test'],
      }],
    },
    secrets: { ACME_CLIENT_SECRET: idp.clientSecret },
  });
});
after(() => Promise.allSettled([worker?.stop(), idp?.stop(), origin?.stop()]));

test('alice signs in through the dev IdP\'s form and the origin gets her identity', async () => {
  const browser = new Browser();
  const { final, steps } = await loginWithDevIdp(browser, worker.url, { email: 'alice@acme.test', returnTo: '/home' });
  assert.equal(final.status, 200, steps.map((s) => `${s.status} ${s.method} ${s.url}`).join('\n'));
  assert.equal(final.body, 'origin saw GET /home');
  const seen = origin.lastRequest('/home').headers;
  assert.equal(seen['x-sso-email'], 'alice@acme.test');
  assert.equal(seen['x-sso-subject'], 'acme-alice');
  assert.equal(decodeURIComponent(seen['x-sso-name']), 'Alice Anderson');
  assert.equal(seen['x-sso-org'], 'acme');
  assert.equal(seen['x-sso-issuer'], idp.issuer);
  await verifyAssertion(seen['x-sso-assertion'], { workerUrl: worker.url, audience: origin.url });
  await assertSession(browser, worker.url, { email: 'alice@acme.test', subject: 'acme-alice', org: 'acme' });
});

test('RP-initiated logout ends the IdP session, whose back-channel logout ends a second session', async () => {
  const browser = new Browser();
  const first = await loginWithDevIdp(browser, worker.url, { email: 'bob@acme.test', returnTo: '/one' });
  assert.equal(first.final.status, 200);

  // A second worker session on the same IdP session: same IdP cookies, no worker cookie.
  const second = browser.clone();
  second.deleteCookie('sso_session');
  const again = await loginWithDevIdp(second, worker.url, { email: 'bob@acme.test', returnTo: '/two' });
  assert.equal(again.final.status, 200, 'signed in again without a password (live IdP session)');
  assert.ok(!again.steps.some((s) => parseForms(s.body).some((f) => f.fields.some((x) => x.type === 'password'))),
    'no password form the second time');
  await assertSession(second, worker.url, { email: 'bob@acme.test' });

  // Sign out of the first one through the worker, then confirm at the IdP.
  const logout = await browser.post(`${worker.url}/_sso/logout`, {}, { origin: new URL(worker.url).origin });
  assert.equal(logout.status, 303);
  assert.ok(logout.location.startsWith(`${idp.issuer}/`), logout.location);
  const confirm = await browser.get(logout.location);
  assert.equal(confirm.status, 200, confirm.body.slice(0, 500));
  const done = await browser.submitForm(confirm, { logout: 'yes' }, {
    match: (f) => f.method === 'post',
    follow: true,
  });
  assert.equal(done.status, 200, done.body.slice(0, 500));
  assert.equal(new URL(done.url).pathname, '/_sso/logged-out');
  // The IdP says so in its log: the worker answered its back-channel logout.
  await idp.waitForLog(/back-channel logout\b.*\bdelivered/);

  await assertNoSession(browser, worker.url, 'the session that signed out');
  await assertNoSession(second, worker.url, 'the other session of the same IdP session');
});

test('the dev IdP\'s dashboard tile starts a third-party initiated login at the worker', async () => {
  const dashboard = await new Browser().get(`${idp.url}/dashboard`);
  assert.equal(dashboard.status, 200);
  const href = unescapeHtml(/id="app-tile" href="([^"]+)"/.exec(dashboard.body)?.[1] ?? '');
  assert.ok(href, 'an app tile');
  const tile = new URL(href);
  assert.equal(`${tile.origin}${tile.pathname}`, `${worker.url}/_sso/login`);
  assert.equal(tile.searchParams.get('iss'), idp.issuer);
  assert.equal(tile.searchParams.get('target_link_uri'), `${worker.url}/`);
  const login = await new Browser().get(tile.href);
  assert.equal(login.status, 302, 'straight to the IdP, no email asked');
  assert.ok(login.location.startsWith(idp.issuer), login.location);
});

test('the dev IdP publishes its key under its RFC 7638 thumbprint, as jose computes it', async () => {
  const discovery = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
  const { keys } = await (await fetch(discovery.jwks_uri)).json();
  assert.equal(keys.length, 1);
  const [key] = keys;
  assert.equal(key.kid, await calculateJwkThumbprint({ kty: key.kty, n: key.n, e: key.e }));
  assert.equal(key.kid, rsaThumbprint(key), 'the synchronous thumbprint the IdP uses at startup');
});
