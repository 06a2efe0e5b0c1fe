// The README's "Onboard a customer" as written: an org the configuration does not know
// (initech, whose dev IdP `make dev` runs on 9002; here on a free port) is added with
// `make org-add ID=… ISSUER=… CLIENT_ID=… CLIENT_SECRET=… DOMAIN=…` against a running
// worker, and its user signs in at once, with no redeploy.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { repoRoot, startWorker } from '../support/worker.mjs';
import { startDevIdp } from '../support/dev-idp.mjs';
import { startTestOrigin } from '../support/test-origin.mjs';
import { Browser, loginWithDevIdp } from '../support/browser.mjs';
import { assertSession } from '../support/stack.mjs';
import { freePort } from '../support/net.mjs';

const ADMIN_TOKEN = 'onboarding-test-admin-token-0123456789abcdef';
let idp;
let origin;
let worker;
before(async () => {
  const port = await freePort();
  const workerUrl = `http://127.0.0.1:${port}`;
  [idp, origin] = await Promise.all([startDevIdp({ org: 'initech', worker: workerUrl }), startTestOrigin()]);
  worker = await startWorker({ port, sso: { origin: origin.url, orgs: [] }, secrets: { SSO_ADMIN_TOKEN: ADMIN_TOKEN } });
});
after(() => Promise.allSettled([worker?.stop(), idp?.stop(), origin?.stop()]));

function make(vars) {
  const run = spawnSync('make', ['--no-print-directory', 'org-add', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, EDGE_SSO_URL: worker.url, SSO_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

test('make org-add onboards initech as the README says, and erin signs in right away', async () => {
  const before = await loginWithDevIdp(new Browser(), worker.url, { email: 'erin@initech.test', returnTo: '/' }).catch((e) => e);
  assert.ok(before instanceof Error || before.final.status !== 200, 'nobody of initech can sign in before onboarding');

  const { status, out } = make({ ID: 'initech', ISSUER: idp.issuer, CLIENT_ID: idp.clientId, CLIENT_SECRET: idp.clientSecret, DOMAIN: 'initech.test' });
  assert.equal(status, 0, out);
  assert.match(out, new RegExp(`${worker.url}/_sso/callback`), `the answer lists the redirect URI to paste into Okta:\n${out}`);

  const browser = new Browser();
  const { final, steps } = await loginWithDevIdp(browser, worker.url, { email: 'erin@initech.test', returnTo: '/welcome' });
  assert.equal(final.status, 200, steps.map((s) => `${s.status} ${s.method} ${s.url}`).join('\n'));
  assert.equal(origin.lastRequest('/welcome').headers['x-sso-org'], 'initech');
  await assertSession(browser, worker.url, { email: 'erin@initech.test', subject: 'initech-erin', org: 'initech' });
});

test('make org-add with a wrong client secret is refused and onboards nothing', () => {
  const { status, out } = make({ ID: 'initech-bad', ISSUER: idp.issuer, CLIENT_ID: idp.clientId, CLIENT_SECRET: 'wrong', DOMAIN: 'initech-bad.test' });
  assert.notEqual(status, 0, out);
  assert.match(out, /422/, out);
});
