// edge-sso as a library: examples/protect-my-worker (a Rust worker that wraps its own
// handler with `edge_sso::Sso::handle`) built as wasm, run in workerd, signed in to through
// the development OpenID provider.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startWorker, repoRoot } from '../support/worker.mjs';
import { startDevIdp } from '../support/dev-idp.mjs';
import { Browser, loginWithDevIdp } from '../support/browser.mjs';
import { assertNoSession } from '../support/stack.mjs';
import { freePort } from '../support/net.mjs';

let idp;
let worker;
before(async () => {
  const port = await freePort();
  const workerUrl = `http://127.0.0.1:${port}`;
  idp = await startDevIdp({ org: 'acme', worker: workerUrl });
  worker = await startWorker({
    port,
    main: path.join(repoRoot, 'examples', 'protect-my-worker', 'build', 'entry.js'),
    sso: {
      public_paths: ['/public/'],
      orgs: [{ id: 'acme', issuer: idp.issuer, client_id: idp.clientId, client_secret_var: 'ACME_CLIENT_SECRET', domains: ['acme.test'] }],
    },
    secrets: { ACME_CLIENT_SECRET: idp.clientSecret },
  });
});
after(() => Promise.allSettled([worker?.stop(), idp?.stop()]));

test('anonymous API calls get 401 and anonymous pages go to sign-in', async () => {
  const browser = new Browser();
  const api = await browser.get(`${worker.url}/api/me`, { accept: 'application/json' });
  assert.equal(api.status, 401);
  assert.deepEqual(JSON.parse(api.body), { error: 'unauthenticated' });
  const page = await browser.get(`${worker.url}/`);
  assert.equal(page.status, 302);
  assert.equal(page.location, `${worker.url}/_sso/login?return_to=%2F`);
});

test('public paths reach the application without a user', async () => {
  const res = await new Browser().get(`${worker.url}/public/hello`);
  assert.equal(res.status, 200);
  assert.equal(res.body, 'hello, anyone');
});

test('a signed-in user is greeted by name, the API knows her, and sign-out goes through the library', async () => {
  const browser = new Browser();
  const { final, steps } = await loginWithDevIdp(browser, worker.url, { email: 'alice@acme.test', returnTo: '/' });
  assert.equal(final.status, 200, steps.map((s) => `${s.status} ${s.url}`).join('\n'));
  assert.match(final.body, /Hello, Alice Anderson!/);
  assert.match(final.body, /signed in to acme/);

  const me = await browser.get(`${worker.url}/api/me`, { accept: 'application/json' });
  assert.equal(me.status, 200);
  const body = JSON.parse(me.body);
  assert.equal(body.email, 'alice@acme.test');
  assert.equal(body.subject, 'acme-alice');
  assert.equal(body.org, 'acme');
  assert.ok(body.expires_at > Date.now() / 1000);

  const logout = await browser.post(`${worker.url}/_sso/logout`, {}, { origin: new URL(worker.url).origin });
  assert.equal(logout.status, 303);
  assert.ok(logout.location.startsWith(`${idp.issuer}/`), logout.location);
  await assertNoSession(browser, worker.url);
  const after = await browser.get(`${worker.url}/api/me`, { accept: 'application/json' });
  assert.equal(after.status, 401);
});
