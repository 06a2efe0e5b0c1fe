// The pages the worker serves, as a browser sees them: the branding of `SSO.branding` on
// every one (escaped, with a Content Security Policy that allows exactly its logo), the
// "session ended" notice after an IdP-initiated logout (once, for that browser only),
// "enter a valid email", and "you are not signed in" on the sign-out page without a session.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, assertLoggedIn } from '../support/stack.mjs';
import { Browser } from '../support/browser.mjs';
import { startWorker } from '../support/worker.mjs';
import { fetchText } from '../support/net.mjs';

const BRANDING = {
  product_name: 'Northwind <Projects>',
  logo_url: 'https://cdn.northwind-corp.com/logo.svg',
  accent_color: '#0B6E4F',
  support_email: 'it-help@northwind-corp.com',
};

let stack;
before(async () => {
  stack = await startStack({ orgs: ['acme', 'globex'], sso: { branding: BRANDING } });
});
after(() => stack?.stop());

const html = { accept: 'text/html' };

function assertBranded(response, what) {
  const body = response.body;
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/, what);
  assert.ok(body.includes('<span>Northwind &lt;Projects&gt;</span>'), `${what}: the product name, escaped`);
  assert.ok(!body.includes('<Projects>'), `${what}: nothing unescaped`);
  assert.ok(body.includes('<img src="https://cdn.northwind-corp.com/logo.svg" alt="">'), `${what}: the logo`);
  assert.ok(body.includes('--accent:#0b6e4f'), `${what}: the accent colour`);
  assert.ok(body.includes('href="mailto:it-help@northwind-corp.com"'), `${what}: the support contact`);
  assert.ok(!/single sign-on/i.test(body), `${what}: no anonymous "SINGLE SIGN-ON" banner`);
  const csp = response.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/, what);
  assert.match(csp, /img-src https:\/\/cdn\.northwind-corp\.com(;|$)/, `${what}: the CSP allows exactly the logo's origin`);
}

test('every page the worker serves carries the branding', async () => {
  const browser = new Browser();
  const pages = [
    ['/_sso/login', 200],
    ['/_sso/login?email=eve%40nowhere.test', 404],
    ['/_sso/login?email=notanemail', 404],
    ['/_sso/logout', 200],
    ['/_sso/logged-out', 200],
    ['/_sso/callback?state=never&code=x', 400],
    ['/_sso/nope', 404],
  ];
  for (const [path, status] of pages) {
    const response = await browser.get(stack.url(path), html);
    assert.equal(response.status, status, path);
    assertBranded(response, path);
  }
});

test('"notanemail" is told to enter a valid email, an unknown domain that no org has it', async () => {
  const browser = new Browser();
  const invalid = await browser.get(stack.url('/_sso/login?email=notanemail'), html);
  assert.match(invalid.body, /Enter a valid email address/);
  assert.doesNotMatch(invalid.body, /could not find an organization/);
  const unknown = await browser.get(stack.url('/_sso/login?email=eve%40nowhere.test'), html);
  assert.match(unknown.body, /could not find an organization for that email address/);
});

test('the callback error says what happened, once, without talking about a link', async () => {
  const response = await new Browser().get(stack.url('/_sso/callback?state=never&code=x'), html);
  assert.equal(response.status, 400);
  assert.match(response.body, /<h1>Sign-in could not be completed<\/h1>/);
  assert.match(response.body, /took too long, was already completed, or was started in another browser/);
  const main = response.body.slice(response.body.indexOf('<main>'));
  assert.doesNotMatch(main.replace(/<[^>]*>/g, ' '), /\blink\b/i, 'the page\'s text never mentions a link');
});

test('GET /_sso/logout offers Sign out to a signed-in user, and says "not signed in" to anyone else', async () => {
  const anonymous = await new Browser().get(stack.url('/_sso/logout'), html);
  assert.equal(anonymous.status, 200);
  assert.match(anonymous.body, /<h1>You are not signed in<\/h1>/);
  assert.doesNotMatch(anonymous.body, /action="\/_sso\/logout"/, 'no sign-out button');

  const browser = new Browser();
  await assertLoggedIn(await stack.login(browser, { email: 'ana@acme.test' }), browser, stack.worker.url, { email: 'ana@acme.test' });
  const signedIn = await browser.get(stack.url('/_sso/logout'), html);
  assert.match(signedIn.body, /<h1>Sign out<\/h1>/);
  assert.match(signedIn.body, /<form method="post" action="\/_sso\/logout"><button class="button" type="submit">Sign out<\/button>/);
});

test('after Universal Logout the next sign-in form says the session ended, once, and only in that browser', async () => {
  const email = 'bea@acme.test';
  const browser = new Browser();
  await assertLoggedIn(await stack.login(browser, { email }), browser, stack.worker.url, { email });
  const acme = stack.providers.acme;
  const revocation = `${stack.worker.url}/_sso/global-token-revocation`;
  const response = await fetch(revocation, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${acme.universalLogoutToken({ aud: revocation })}` },
    body: JSON.stringify({ sub_id: { format: 'email', email } }),
  });
  assert.equal(response.status, 204);

  const back = await browser.get(stack.url('/projects'), html);
  assert.equal(back.status, 302);
  assert.equal(back.location, stack.url('/_sso/login?return_to=%2Fprojects'), 'the contract\'s redirect, unchanged');
  assert.equal(browser.cookie('sso_session'), undefined, 'the dead session cookie is cleared');
  const form = await browser.get(stack.url(back.location), html);
  assert.equal(form.status, 200);
  assert.match(form.body, /<p class="notice" role="status">Your session has ended\. Sign in again to continue\.<\/p>/);
  const again = await browser.get(stack.url(back.location), html);
  assert.doesNotMatch(again.body, /Your session has ended/, 'shown once');

  // Another browser (never signed in) sees no notice; the notice names no one.
  const other = await new Browser().get(stack.url('/_sso/login?return_to=%2Fprojects'), html);
  assert.doesNotMatch(other.body, /Your session has ended/);
  // A browser that never had a session is sent to sign-in without a notice.
  const fresh = new Browser();
  const first = await fresh.get(stack.url('/projects'), html);
  assert.equal(first.status, 302);
  assert.doesNotMatch((await fresh.get(stack.url(first.location), html)).body, /Your session has ended/);
});

test('a bad branding is a configuration error naming the field, like any other', async (t) => {
  const worker = await startWorker({ sso: { orgs: [], branding: { product_name: 'X', accent_color: 'red;}body{' } }, healthy: false });
  t.after(() => worker.stop());
  const { response } = await fetchText(`${worker.url}/_sso/healthz`);
  assert.equal(response.status, 500);
  await worker.waitForLog('"reason":"branding.accent_color: must be a colour like #1a73e8 or #17e"');
});
