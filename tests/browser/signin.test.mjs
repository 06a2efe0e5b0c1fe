//! A real browser signs in: headless Chromium (Debian's, driven by playwright-core) walks
//! the `make dev` stack, started on free ports with a branding configured: the discovery
//! form, the dev IdP's login form, the demo origin, a reload and a second tab, Okta
//! Universal Logout and the "session ended" notice, the sign-out button through the IdP's
//! logout, the worker's own sign-out page (/_sso/logout, clicked), and every other page the worker serves (each carrying the branding).
//!
//! Run: `node --test tests/browser/*.test.mjs` (needs `make build` and
//! `bash tests/browser/install-chromium.sh`). With `SCREENSHOTS=1` it also saves
//! docs/screenshots/*.png (`scripts/screenshots.sh`). With `E2E_KEEP_TMP=1` the scratch
//! directories under tests/.tmp stay for a look.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { universalLogoutRequest } from '../../dev/idp/keys.mjs';
import { DEV_PASSWORD } from '../support/dev-idp.mjs';
import { repoRoot, tmpRoot } from '../support/worker.mjs';
import { idpDataDir, launchChromium, orderedSteps, startDevStack } from './support.mjs';

const EMAIL = 'alice@acme.test';
const SCREENSHOTS = process.env.SCREENSHOTS === '1';
const SCREENSHOT_DIR = path.join(repoRoot, 'docs', 'screenshots');
const VIEWPORT = { width: 960, height: 640 };
// An inline logo (nothing fetched from elsewhere): a rounded square with a check mark.
const LOGO_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#0b6e4f"/>'
  + '<path d="M9 16.5l4.5 4.5L23 11.5" stroke="#fff" stroke-width="3.5" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>';
const BRANDING = {
  product_name: 'Northwind Projects',
  logo_url: `data:image/svg+xml;base64,${Buffer.from(LOGO_SVG).toString('base64')}`,
  accent_color: '#0b6e4f',
  support_email: 'it-help@northwind.example',
};

test('a real browser signs in, stays signed in, is signed out by Universal Logout and by the sign-out button', { timeout: 120_000 }, async (t) => {
  const stack = await startDevStack({ branding: BRANDING });
  t.after(() => stack.stop());
  const chrome = await launchChromium();
  t.after(() => chrome.close());

  const { worker, idp, origin } = stack;
  const context = await chrome.browser.newContext({ viewport: VIEWPORT, colorScheme: 'light', locale: 'en-US' });
  context.setDefaultTimeout(10_000);
  // Every request the browser makes to the IdP, to prove when no login happened there.
  const idpRequests = [];
  context.on('request', (request) => {
    if (request.url().startsWith(`${idp.url}/`)) idpRequests.push(`${request.method()} ${request.url()}`);
  });
  const page = await context.newPage();

  // Steps run in order; after a failure the rest are skipped, and the failing page
  // (URL, text, a screenshot) and the servers' output are attached to the error.
  const step = orderedSteps(t, (error, name) => withDiagnostics(error, name, context, stack));

  const protectedUrl = `${worker.url}/projects/roadmap?tab=open`;

  await step('1. a protected page leads to the discovery form; typing the email goes to the org', async () => {
    await page.goto(protectedUrl);
    await expectDiscoveryForm(page, worker, '/projects/roadmap?tab=open');
    await page.getByLabel('Work email').fill(EMAIL);
    await screenshot(page, 'discovery-form');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${idp.url}/interaction/**`);
  });

  await step('2. the dev IdP asks for the password; its form is filled and submitted', async () => {
    await expectIdpLoginForm(page);
    assert.equal(await page.getByLabel('Email').inputValue(), EMAIL, 'the worker passes the email on as login_hint');
    await page.getByLabel('Password').fill(DEV_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(protectedUrl);
  });

  await step('3. the demo origin shows Alice, the verified assertion and her provisioned projects', async () => {
    await expectAliceAtOrigin(page, worker);
    await screenshot(page, 'demo-origin', { fullPage: true });
    const users = await (await fetch(`${origin.url}/api/users`)).json();
    assert.deepEqual(users.map((u) => [u.email, u.projects]), [[EMAIL, ['onboarding', 'acme-handbook']]],
      'the origin provisioned Alice once, with the org\'s default projects');
    // A public page of the demo origin (no identity reaches it) lists nobody.
    const pub = await context.newPage();
    await pub.goto(`${worker.url}/public/`);
    assert.match(await pub.locator('main').innerText(), /Not signed in/);
    assert.equal(await pub.locator('#provisioned-users').count(), 0, 'no user list on a public page');
    assert.doesNotMatch(await pub.content(), /alice@acme\.test/);
    await pub.close();
  });

  await step('3b. "Your sessions" in the demo origin\'s header lists this browser\'s session', async () => {
    await page.getByRole('link', { name: 'Your sessions' }).click();
    await page.waitForURL(`${worker.url}/_sso/sessions`);
    await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
    assert.match(await page.locator('main').innerText(), /This device/);
    await screenshot(page, 'sessions');
    await page.goto(protectedUrl);
  });

  await step('4. a reload and a second tab are still signed in, without the IdP', async () => {
    const before = idpRequests.length;
    await page.reload();
    await expectAliceAtOrigin(page, worker);
    const tab = await context.newPage();
    await tab.goto(`${worker.url}/another/page`);
    assert.equal(tab.url(), `${worker.url}/another/page`, 'the second tab stays on its page');
    await expectAliceAtOrigin(tab, worker);
    await tab.close();
    assert.deepEqual(idpRequests.slice(before), [], 'no request went to the IdP');
  });

  await step('5. Universal Logout for Alice (204) sends the next navigation to the discovery form', async () => {
    const { url, init } = await universalLogoutRequest({
      org: 'acme',
      issuer: idp.issuer,
      clientId: idp.clientId,
      worker: worker.url,
      email: EMAIL,
      dataDir: await idpDataDir(idp),
    });
    const response = await fetch(url, init);
    assert.equal(response.status, 204, `Universal Logout answered ${response.status}: ${await response.text()}`);
    await page.reload();
    await expectDiscoveryForm(page, worker, '/projects/roadmap?tab=open');
    assert.equal((await page.getByRole('status').innerText()).trim(), 'Your session has ended. Sign in again to continue.',
      'the sign-in form says why the user is back');
    await screenshot(page, 'session-ended');
    await page.reload();
    assert.equal(await page.getByRole('status').count(), 0, 'the notice is shown once');
  });

  await step('6. signed in again, the sign-out button runs the IdP\'s logout and the page says "signed out"', async () => {
    await page.getByLabel('Work email').fill(EMAIL);
    await page.getByRole('button', { name: 'Continue' }).click();
    // Universal Logout ended the worker's sessions, not the IdP's: the IdP may answer at
    // once (single sign-on) or ask for the password again.
    await page.waitForURL((url) => url.href === protectedUrl || url.href.startsWith(`${idp.url}/interaction/`));
    if (page.url() !== protectedUrl) {
      await expectIdpLoginForm(page);
      await page.getByLabel('Password').fill(DEV_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(protectedUrl);
    }
    await expectAliceAtOrigin(page, worker);

    // The worker's own sign-out page, for a signed-in user: a button.
    const tab = await context.newPage();
    await tab.goto(`${worker.url}/_sso/logout`);
    await expectHeading(tab, 'Sign out');
    await expectBranding(tab);
    assert.match(await tab.locator('main').innerText(), /signed out of Northwind Projects and of your organization/);
    await screenshot(tab, 'sign-out');
    await tab.close();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${idp.url}/session/end`) || url.href.startsWith(`${worker.url}/_sso/logged-out`));
    if (page.url().startsWith(`${idp.url}/session/end`)) {
      await expectHeading(page, 'Sign out of Acme?');
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    }
    await page.waitForURL(`${worker.url}/_sso/logged-out?**`);
    await expectHeading(page, 'You are signed out');
    await expectBranding(page);
    assert.match(await page.locator('main').innerText(), /signed out/i);
    await screenshot(page, 'signed-out');
    await idp.waitForLog(/logout: back-channel logout of alice@acme\.test delivered/);
    await idp.waitForLog(/logout: alice@acme\.test signed out of the IdP/);

    // Both sessions are over: the protected page asks for the email again, and the IdP
    // for the password.
    await page.goto(protectedUrl);
    await expectDiscoveryForm(page, worker, '/projects/roadmap?tab=open');
    await page.getByLabel('Work email').fill(EMAIL);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${idp.url}/interaction/**`);
    await expectIdpLoginForm(page);
  });

  await step('7. every other page the worker serves reads well and carries the branding', async () => {
    const pages = [
      ['/_sso/logout', 200, 'You are not signed in', /no session of Northwind Projects in this browser/, 'not-signed-in'],
      ['/_sso/login?email=notanemail', 404, 'Sign in to Northwind Projects', /Enter a valid email address/, 'invalid-email'],
      ['/_sso/login?email=eve%40nowhere.test', 404, 'Sign in to Northwind Projects', /could not find an organization for that email/, 'unknown-domain'],
      ['/_sso/callback?state=never-started&code=x', 400, 'Sign-in could not be completed', /took too long, was already completed, or was started in another browser/, 'callback-error'],
      ['/_sso/no-such-page', 404, 'Not found', /No such page/, 'not-found'],
    ];
    for (const [path, status, heading, text, name] of pages) {
      const response = await page.goto(`${worker.url}${path}`);
      assert.equal(response.status(), status, path);
      await expectHeading(page, heading);
      await expectBranding(page);
      assert.match(await page.locator('main').innerText(), text, path);
      assert.equal(await page.locator('main .button').count(), 1, `one action, in the one button style (${path})`);
      await screenshot(page, name);
    }
  });

  await step('8. signed in again, the worker\'s own sign-out page (/_sso/logout) signs out too', async () => {
    await page.goto(protectedUrl);
    await expectDiscoveryForm(page, worker, '/projects/roadmap?tab=open');
    await page.getByLabel('Work email').fill(EMAIL);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.href === protectedUrl || url.href.startsWith(`${idp.url}/interaction/`));
    if (page.url() !== protectedUrl) {
      await page.getByLabel('Password').fill(DEV_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(protectedUrl);
    }
    await expectAliceAtOrigin(page, worker);

    const own = await page.goto(`${worker.url}/_sso/logout`);
    assert.equal(own.status(), 200);
    await expectHeading(page, 'Sign out');
    await page.getByRole('button', { name: 'Sign out' }).click();
    // Chromium posts this form with the page's Origin (or `Origin: null` plus
    // `Sec-Fetch-Site: same-origin`): it must not be refused as cross-site.
    await page.waitForURL((url) => url.href.startsWith(`${idp.url}/session/end`) || url.href.startsWith(`${worker.url}/_sso/logged-out`));
    if (page.url().startsWith(`${idp.url}/session/end`)) {
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    }
    await page.waitForURL(`${worker.url}/_sso/logged-out?**`);
    await expectHeading(page, 'You are signed out');
    // The browser's own cookies (the pages' CSP allows no fetch from the page itself).
    const session = await context.request.get(`${worker.url}/_sso/session`);
    assert.equal(session.status(), 401, 'the worker\'s session is over');
    await page.goto(protectedUrl);
    await expectDiscoveryForm(page, worker, '/projects/roadmap?tab=open');
  });
});

/** The configured branding: logo, product name, accent colour on the button, support contact. */
async function expectBranding(page) {
  const brand = page.locator('main .brand');
  assert.equal((await brand.innerText()).trim(), BRANDING.product_name, `the product name (at ${page.url()})`);
  assert.equal(await brand.locator('img').evaluate((img) => img.complete && img.naturalWidth > 0), true, 'the logo is shown (CSP allows it)');
  assert.match(await page.title(), / · Northwind Projects$/);
  const button = page.locator('main .button').first();
  assert.equal(await button.evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(11, 110, 79)', 'the accent colour');
  assert.equal(await page.locator(`main a[href="mailto:${BRANDING.support_email}"]`).count(), 1, 'the support contact');
}

/** The worker's discovery form, reached from `returnTo`, with its contract markup. */
async function expectDiscoveryForm(page, worker, returnTo) {
  const url = new URL(page.url());
  assert.equal(`${url.origin}${url.pathname}`, `${worker.url}/_sso/login`, 'on the worker\'s sign-in page');
  assert.equal(url.searchParams.get('return_to'), returnTo);
  await expectHeading(page, `Sign in to ${BRANDING.product_name}`);
  await expectBranding(page);
  assert.match(await page.locator('main').innerText(), /Enter your work email/);
  const form = page.locator('form[method="get"][action="/_sso/login"]');
  assert.equal(await form.locator('input[type="email"][name="email"]').count(), 1, 'the email field');
  assert.equal(await form.locator('input[type="hidden"][name="return_to"]').inputValue(), returnTo);
  assert.equal(await page.getByLabel('Work email').inputValue(), '', 'the email field starts empty');
}

/** The dev IdP's login form. */
async function expectIdpLoginForm(page) {
  await expectHeading(page, 'Sign in to Acme');
  assert.match(await page.locator('main').innerText(), /Development identity provider at /);
  assert.equal(await page.getByLabel('Password').count(), 1, 'a password field');
}

/** The demo origin, reached through the worker, showing Alice's session. */
async function expectAliceAtOrigin(page, worker) {
  assert.ok(page.url().startsWith(`${worker.url}/`), `through the worker, not ${page.url()}`);
  await expectHeading(page, 'edge-sso demo origin');
  const text = await page.locator('main').innerText();
  assert.match(text, /Signed in as Alice Anderson \(alice@acme\.test\), organization acme\./);
  assert.match(text, new RegExp(`X-Sso-Assertion verified with ${escapeRe(worker.url)}/_sso/jwks\\.json \\(subject acme-alice,`));
  const row = page.locator('#provisioned-users tbody tr', { hasText: 'alice@acme.test' });
  assert.equal(await row.count(), 1, 'Alice among the provisioned users');
  assert.match(await row.innerText(), /Alice Anderson\s+alice@acme\.test\s+acme-alice\s+onboarding, acme-handbook/);
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 1, 'a sign-out button');
}

async function expectHeading(page, name) {
  const heading = page.getByRole('heading', { level: 1 });
  await heading.waitFor();
  assert.equal((await heading.innerText()).trim(), name, `the page's heading (at ${page.url()})`);
}

/**
 * With SCREENSHOTS=1, `docs/screenshots/<name>.png` of the page. `fullPage`: the window is
 * made as tall as the page first (a full-page capture of a scrolling page would show, and
 * lose the width of, a scroll bar), and given back its size afterwards.
 */
async function screenshot(page, name, { fullPage = false } = {}) {
  if (!SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const size = page.viewportSize();
  if (fullPage) {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: size.width, height: Math.max(size.height, height) });
  }
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), animations: 'disabled', caret: 'hide' });
  if (fullPage) await page.setViewportSize(size);
}

/** The error, with what every open page showed and the end of each server's output. */
async function withDiagnostics(error, stepName, context, stack) {
  const lines = [`step "${stepName}" failed: ${error.message}`];
  fs.mkdirSync(tmpRoot, { recursive: true });
  for (const [i, page] of context.pages().entries()) {
    const shot = path.join(tmpRoot, `browser-failure-${process.pid}-${i}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    const text = await page.locator('body').innerText({ timeout: 1000 }).catch((e) => `(no text: ${e.message})`);
    lines.push(`tab ${i}: ${page.url()} (screenshot ${shot})\n${text.slice(0, 1500)}`);
  }
  const tail = (logs) => logs().split('\n').slice(-40).join('\n');
  lines.push(`worker output:\n${tail(stack.worker.logs)}`);
  lines.push(`acme IdP output:\n${tail(stack.idp.logs)}`);
  lines.push(`origin output:\n${tail(stack.origin.logs)}`);
  error.message = lines.join('\n\n');
  return error;
}

function escapeRe(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
