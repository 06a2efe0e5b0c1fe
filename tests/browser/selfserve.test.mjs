//! The self-serve journey in a real browser (issue 14, "Show it works"): headless Chromium
//! walks the `make dev`-style stack plus the initech dev IdP and the DNS-over-HTTPS stub:
//! the operator signs in to the console and creates a setup link for initech; a fresh
//! browser opens it, follows the wizard with the dev IdP's values, fails once on a wrong
//! secret and sees why, passes the test sign-in, verifies the domain through the DNS stub
//! (by adding the line the wizard shows to the records file, as a developer does), and
//! activates; an initech user then signs in by email domain; the operator ends that user's
//! sessions from the console.
//!
//! Run: `node --test tests/browser/selfserve.test.mjs` (needs `make build` and
//! `bash tests/browser/install-chromium.sh`). `SCREENSHOTS=1` saves docs/screenshots/setup-*.png
//! and console-*.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { startDohStub } from '../../dev/dns/server.mjs';
import { DEV_PASSWORD, startDevIdp } from '../support/dev-idp.mjs';
import { repoRoot, tmpRoot } from '../support/worker.mjs';
import { launchChromium, orderedSteps, startDevStack } from './support.mjs';

const SCREENSHOTS = process.env.SCREENSHOTS === '1';
const SCREENSHOT_DIR = path.join(repoRoot, 'docs', 'screenshots');
const VIEWPORT = { width: 1100, height: 760 };
const OPERATOR = 'alice@acme.test';
const ERIN = 'erin@initech.test';

test('self-serve: an operator invites initech, its Okta admin sets it up, its user signs in, the operator ends the session', { timeout: 180_000 }, async (t) => {
  fs.mkdirSync(tmpRoot, { recursive: true });
  const records = path.join(fs.mkdtempSync(path.join(tmpRoot, 'dns-')), 'records.txt');
  const dns = await startDohStub({ recordsFile: records });
  t.after(() => dns.stop());
  const stack = await startDevStack({
    sso: { admin: { org: 'acme', emails: [OPERATOR] }, dns: { resolver_url: dns.url } },
  });
  t.after(() => stack.stop());
  const initech = await startDevIdp({ org: 'initech', worker: stack.worker.url });
  t.after(() => initech.stop());
  const chrome = await launchChromium();
  t.after(() => chrome.close());
  const { worker } = stack;

  const newPage = async () => {
    const context = await chrome.browser.newContext({ viewport: VIEWPORT, colorScheme: 'light', locale: 'en-US' });
    context.setDefaultTimeout(10_000);
    return context.newPage();
  };
  const operator = await newPage();
  const customer = await newPage();
  const user = await newPage();

  const step = orderedSteps(t, (error, name) => withDiagnostics(error, name, [operator, customer, user], { worker, initech }));

  let setupUrl;

  await step('1. the operator signs in to the console through edge-sso', async () => {
    await operator.goto(`${worker.url}/_sso/admin/`);
    await operator.getByLabel('Work email').fill(OPERATOR);
    await operator.getByRole('button', { name: 'Continue' }).click();
    await operator.getByLabel('Password').fill(DEV_PASSWORD);
    await operator.getByRole('button', { name: 'Sign in' }).click();
    await operator.waitForURL(`${worker.url}/_sso/admin/`);
    await expectHeading(operator, 'Operator console');
    const text = await operator.locator('main').innerText();
    assert.match(text, new RegExp(`Signed in as ${OPERATOR}`));
    assert.match(text, /acme\s+static/);
    await screenshot(operator, 'console', { fullPage: true });
  });

  await step('2. the operator creates a setup link for initech', async () => {
    await operator.getByLabel('Org id').fill('initech');
    await operator.getByLabel('Email domains (comma-separated)').fill('initech.test');
    await operator.getByLabel('Default projects (comma-separated)').fill('onboarding');
    await operator.getByRole('button', { name: 'Create setup link' }).click();
    setupUrl = (await operator.locator('#setup-url').innerText()).trim();
    assert.match(setupUrl, new RegExp(`^${escapeRe(worker.url)}/_sso/setup/[A-Za-z0-9_-]{43}$`));
    assert.match(await operator.locator('main').innerText(), /initech\s+initech\.test\s+credentials/);
    await screenshot(operator, 'console-setup-link');
  });

  await step('3. the customer\'s admin opens the link: the Okta steps and the values to paste', async () => {
    await customer.goto(setupUrl);
    await expectHeading(customer, 'Set up single sign-on for initech');
    for (const id of ['redirect-uri', 'post-logout-uri', 'initiate-login-uri', 'backchannel-uri', 'revocation-uri']) {
      assert.ok((await customer.locator(`#${id}`).innerText()).startsWith(worker.url), id);
    }
    assert.equal(await customer.locator('#redirect-uri').innerText(), `${worker.url}/_sso/callback`);
    await screenshot(customer, 'setup-okta-steps', { fullPage: true });
  });

  await step('4. a wrong client secret is refused in place, with the reason', async () => {
    await customer.getByLabel('Issuer').fill(initech.issuer);
    await customer.getByLabel('Client ID').fill(initech.clientId);
    await customer.getByLabel('Client secret').fill('not-the-secret');
    await customer.getByRole('button', { name: 'Check and save' }).click();
    assert.match(await customer.locator('main').innerText(), /rejected the client id or secret/);
    assert.doesNotMatch(await customer.content(), /not-the-secret/);
    await screenshot(customer, 'setup-wrong-secret');
  });

  await step('5. the right secret is saved, and the test sign-in passes through the initech IdP', async () => {
    await customer.getByLabel('Client secret').fill(initech.clientSecret);
    await customer.getByRole('button', { name: 'Check and save' }).click();
    assert.match(await customer.locator('main').innerText(), /will not be shown again/);
    assert.doesNotMatch(await customer.content(), new RegExp(escapeRe(initech.clientSecret)));
    await customer.getByRole('button', { name: 'Test sign-in' }).click();
    await customer.waitForURL(`${initech.url}/**`);
    await customer.getByLabel('Email').fill(ERIN);
    await customer.getByLabel('Password').fill(DEV_PASSWORD);
    await customer.getByRole('button', { name: 'Sign in' }).click();
    await customer.waitForURL(setupUrl);
    assert.match(await customer.locator('main').innerText(), /erin@initech\.test signed in through the new connection/);
    await screenshot(customer, 'setup-test-sign-in', { fullPage: true });
  });

  await step('6. the domain is verified through the DNS-over-HTTPS stub', async () => {
    const name = '_edge-sso-challenge.initech.test';
    const value = (await customer.locator('#txt-value-0').innerText()).trim();
    assert.equal((await customer.locator('#txt-name-0').innerText()).trim(), name);
    await customer.getByRole('button', { name: 'Verify initech.test' }).click();
    assert.match(await customer.locator('main').innerText(), /no TXT record .* was found/, 'not published yet');
    fs.appendFileSync(records, `${name} ${value}\n`); // what the wizard tells a developer to do
    await customer.getByRole('button', { name: 'Verify initech.test' }).click();
    assert.match(await customer.locator('main').innerText(), /✓ Verified/);
    await screenshot(customer, 'setup-domain-verified', { fullPage: true });
  });

  await step('7. activate: live at once, the link spent', async () => {
    await customer.getByRole('button', { name: 'Activate single sign-on' }).click();
    await expectHeading(customer, 'Single sign-on is active');
    await screenshot(customer, 'setup-active');
    const again = await customer.goto(setupUrl);
    assert.equal(again.status(), 404);
  });

  await step('8. an initech user signs in by email domain and reaches the demo origin', async () => {
    await user.goto(`${worker.url}/`);
    await user.getByLabel('Work email').fill(ERIN);
    await user.getByRole('button', { name: 'Continue' }).click();
    await user.waitForURL(`${initech.url}/**`);
    await user.getByLabel('Password').fill(DEV_PASSWORD);
    await user.getByRole('button', { name: 'Sign in' }).click();
    await user.waitForURL(`${worker.url}/`);
    assert.match(await user.locator('main').innerText(), /Signed in as Erin Evans \(erin@initech\.test\), organization initech\./);
  });

  await step('9. the operator sees initech live and ends erin\'s sessions; her next request must sign in again', async () => {
    await operator.goto(`${worker.url}/_sso/admin/`);
    const row = operator.locator('tr', { hasText: 'setup link' });
    assert.match(await row.innerText(), /initech\.test\s+verified/);
    assert.match(await row.innerText(), /\b1\b/, 'one live session');
    await operator.getByLabel('Email', { exact: true }).fill(ERIN);
    await operator.getByRole('button', { name: 'End every session of this user' }).click();
    assert.match(await operator.locator('main').innerText(), /1 session\(s\) of erin@initech\.test ended/);
    await screenshot(operator, 'console-sessions-ended', { fullPage: true });
    await user.goto(`${worker.url}/`);
    assert.ok(new URL(user.url()).pathname === '/_sso/login', `back to sign-in, not ${user.url()}`);
  });
});

async function expectHeading(page, text) {
  assert.equal((await page.locator('h1').innerText()).trim(), text);
}

async function screenshot(page, name, { fullPage = false } = {}) {
  if (!SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage, animations: 'disabled', caret: 'hide' });
}

function escapeRe(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The error, with what every page showed and the end of the servers' output. */
async function withDiagnostics(error, stepName, pages, { worker, initech }) {
  const lines = [`step "${stepName}" failed: ${error.message}`];
  for (const [i, page] of pages.entries()) {
    const shot = path.join(tmpRoot, `selfserve-failure-${process.pid}-${i}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    const text = await page.locator('body').innerText({ timeout: 1000 }).catch((e) => `(no text: ${e.message})`);
    lines.push(`page ${i}: ${page.url()} (screenshot ${shot})\n${text.slice(0, 1500)}`);
  }
  const tail = (logs) => logs().split('\n').slice(-40).join('\n');
  lines.push(`worker output:\n${tail(worker.logs)}`);
  lines.push(`initech IdP output:\n${tail(initech.logs)}`);
  error.message = lines.join('\n\n');
  return error;
}
