// Express configuration, self-serve (interface §6a, §6b): setup links through the admin API,
// the wizard a customer's Okta admin follows (credentials, test sign-in, DNS TXT domain
// verification through a DNS-over-HTTPS stub, activation), the operator's console, and
// every refusal: dead links 404, claimed domains 409, unverified domains not routing,
// cross-origin and CSRF-less POSTs 403, non-admins 403, no `admin` 404, no secret anywhere.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { startTestProvider } from '../support/test-provider.mjs';
import { Browser, parseForms, unescapeHtml } from '../support/browser.mjs';
import { startDohStub } from '../../dev/dns/server.mjs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoRoot } from '../support/worker.mjs';

const TOKEN = 'admin-token-for-selfserve-0123456789';

function api(worker, method, path, body) {
  const headers = { authorization: `Bearer ${TOKEN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${worker.url}/_sso/admin${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** Signs `browser` in through `/_sso/login?{query}` and the test provider; answers the callback's response. */
async function signIn(browser, workerUrl, query) {
  const login = await browser.get(`${workerUrl}/_sso/login?${new URLSearchParams(query)}`);
  assert.equal(login.status, 302, `login ${JSON.stringify(query)}`);
  const authorize = await browser.get(login.location);
  const callback = await browser.get(authorize.location);
  return { login, callback };
}

/** The form of `page` whose hidden `action` is `action` (and `domain`, when given). */
const formOf = (action, extra = {}) => (form) =>
  form.fields.some((f) => f.name === 'action' && f.value === action) &&
  Object.entries(extra).every(([k, v]) => form.fields.some((f) => f.name === k && f.value === v));

/** The TXT record name and value the wizard shows for `domain`. */
function recordOf(html, domain) {
  const text = unescapeHtml(html);
  const name = `_edge-sso-challenge.${domain}`;
  const value = text.match(new RegExp(`${name.replace(/\./g, '\\.')} (edge-sso-verification=[0-9a-f]{32})`))?.[1];
  assert.ok(value, `the wizard shows the record of ${domain}`);
  return { name, value };
}

describe('setup links, the wizard and the console', () => {
  let worker;
  let vendor;
  let initech;
  let doh;
  const dns = new Map();
  before(async () => {
    [vendor, initech] = await Promise.all([
      startTestProvider({ clientId: 'vendor-client' }),
      startTestProvider({ clientId: 'initech-client' }),
    ]);
    doh = await startDohStub({ lookup: (name) => dns.get(name) ?? [] });
    worker = await startWorker({
      sso: {
        orgs: [vendor.org({ id: 'vendor', domains: ['vendor.test'] })],
        admin: { org: 'vendor', emails: ['ops@vendor.test'] },
        dns: { resolver_url: doh.url },
      },
      secrets: { SSO_ADMIN_TOKEN: TOKEN },
    });
  });
  after(() => Promise.allSettled([worker?.stop(), vendor?.stop(), initech?.stop(), doh?.stop()]));

  test('POST /_sso/admin/invitations: 201 with a URL holding a 256-bit token; the list never shows it', async () => {
    const res = await api(worker, 'POST', '/invitations', { org: 'hooli', domains: ['hooli.test'], default_projects: ['x'], expires_in_secs: 3600 });
    assert.equal(res.status, 201);
    const body = await res.json();
    assert.deepEqual(Object.keys(body).sort(), ['expires_at', 'org', 'url']);
    assert.equal(body.org, 'hooli');
    const token = new URL(body.url).pathname.replace('/_sso/setup/', '');
    assert.match(body.url, new RegExp(`^${worker.url}/_sso/setup/[A-Za-z0-9_-]{43}$`));
    assert.ok(Math.abs(body.expires_at - (Date.now() / 1000 + 3600)) < 60);
    const list = await api(worker, 'GET', '/invitations');
    assert.equal(list.status, 200);
    const text = await list.text();
    assert.ok(!text.includes(token), 'the token is not listed');
    const hooli = JSON.parse(text).invitations.find((i) => i.org === 'hooli');
    assert.deepEqual(hooli.domains, ['hooli.test']);
    assert.deepEqual(hooli.default_projects, ['x']);
    assert.equal(hooli.expires_at, body.expires_at);
    assert.ok(!worker.logs().includes(token), 'nor logged');
  });

  test('invitation refusals: 400 bad body, 409 org or domain taken, 401 without the token', async () => {
    for (const bad of [{ org: 'Bad Id', domains: ['a.test'] }, { org: 'a', domains: [] }, { org: 'a', domains: ['a.test'], expires_in_secs: 31 * 86400 }]) {
      assert.equal((await api(worker, 'POST', '/invitations', bad)).status, 400, JSON.stringify(bad));
    }
    assert.equal((await api(worker, 'POST', '/invitations', { org: 'vendor', domains: ['x.test'] })).status, 409, 'a static org');
    assert.equal((await api(worker, 'POST', '/invitations', { org: 'other', domains: ['vendor.test'] })).status, 409, 'a static domain');
    assert.equal((await api(worker, 'POST', '/invitations', { org: 'hooli2', domains: ['hooli.test'] })).status, 409, 'invited elsewhere');
    const anonymous = await fetch(`${worker.url}/_sso/admin/invitations`);
    assert.equal(anonymous.status, 401);
  });

  test('scripts/org.mjs invite, invitations and withdraw (make org-invite)', async () => {
    const org = (...args) =>
      promisify(execFile)(process.execPath, ['scripts/org.mjs', ...args], {
        cwd: repoRoot,
        env: { ...process.env, EDGE_SSO_URL: worker.url, SSO_ADMIN_TOKEN: TOKEN },
      });
    const invited = await org('invite', 'scripted', '--domain', 'scripted.test', '--project', 'p1', '--days', '2');
    const url = invited.stdout.match(/\/_sso\/setup\/[A-Za-z0-9_-]{43}/)?.[0];
    assert.ok(url, invited.stdout);
    assert.equal((await fetch(`${worker.url}${url}`)).status, 200);
    const listed = await org('invitations');
    assert.match(listed.stdout, /^scripted\s+credentials\s+until \S+\s+scripted\.test$/m);
    assert.ok(!listed.stdout.includes(url.split('/').pop()), 'no token in the list');
    await org('withdraw', 'scripted');
    assert.equal((await fetch(`${worker.url}${url}`)).status, 404);
    await assert.rejects(org('withdraw', 'scripted'), /404/);
  });

  test('withdrawn, unknown and malformed links are 404 pages revealing nothing', async () => {
    const { url } = await (await api(worker, 'POST', '/invitations', { org: 'withdrawn', domains: ['withdrawn.test'] })).json();
    const browser = new Browser();
    assert.equal((await browser.get(url)).status, 200);
    assert.equal((await api(worker, 'DELETE', '/invitations/withdrawn')).status, 200);
    assert.equal((await api(worker, 'DELETE', '/invitations/withdrawn')).status, 404);
    for (const dead of [url, `${worker.url}/_sso/setup/${'A'.repeat(43)}`, `${worker.url}/_sso/setup/short`]) {
      const res = await browser.get(dead);
      assert.equal(res.status, 404, dead);
      assert.ok(!res.body.includes('withdrawn.test'), 'nothing revealed');
    }
  });

  test('an expired link is 404, and no longer listed', async () => {
    const { url } = await (await api(worker, 'POST', '/invitations', { org: 'shortlived', domains: ['shortlived.test'], expires_in_secs: 2 })).json();
    assert.equal((await fetch(url)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal((await fetch(url)).status, 404);
    assert.ok(!(await (await api(worker, 'GET', '/invitations')).text()).includes('shortlived'));
    assert.equal((await api(worker, 'POST', '/invitations', { org: 'shortlived', domains: ['shortlived.test'] })).status, 201, 'its org and domain are free again');
  });

  test('the whole wizard: wrong secret explained, test sign-in, unverified domain does not route, DNS verification, activation', async () => {
    const created = await (await api(worker, 'POST', '/invitations', { org: 'initech', domains: ['initech.test', 'initrode.test'], default_projects: ['tps'] })).json();
    const admin = new Browser();
    let page = await admin.get(created.url);
    assert.equal(page.status, 200);
    for (const path of ['/_sso/callback', '/_sso/logged-out', '/_sso/backchannel-logout', '/_sso/global-token-revocation', '/_sso/login?org=initech']) {
      assert.ok(unescapeHtml(page.body).includes(`${worker.url}${path}`), `shows ${path}`);
    }
    assert.ok(page.body.includes('data-copy='), 'copy buttons');

    // Cross-origin and CSRF-less POSTs change nothing.
    const form = parseForms(page.body).find(formOf('credentials'));
    const csrf = form.fields.find((f) => f.name === 'csrf').value;
    const fields = { action: 'credentials', csrf, issuer: initech.issuer, client_id: initech.clientId, client_secret: initech.clientSecret };
    assert.equal((await admin.post(created.url, new URLSearchParams(fields), { origin: 'https://evil.example' })).status, 403);
    assert.equal((await admin.post(created.url, new URLSearchParams(fields))).status, 403, 'no Origin, no Sec-Fetch-Site');
    assert.equal((await admin.post(created.url, new URLSearchParams({ ...fields, csrf: 'f'.repeat(32) }), { origin: worker.url })).status, 403);
    assert.ok(parseForms((await admin.get(created.url)).body).some(formOf('credentials')), 'still at step 2');

    // A wrong secret is refused in place, and the secret is never echoed.
    page = await admin.submitForm(page, { issuer: initech.issuer, client_id: initech.clientId, client_secret: 'wrong-secret-1234' }, { match: formOf('credentials') });
    assert.equal(page.status, 422);
    assert.match(unescapeHtml(page.body), /rejected the client id or secret/);
    assert.ok(!page.body.includes('wrong-secret-1234'));
    // The right one: saved, never shown again.
    page = await admin.submitForm(page, { issuer: initech.issuer, client_id: initech.clientId, client_secret: initech.clientSecret }, { match: formOf('credentials'), follow: true });
    assert.equal(page.status, 200);
    assert.ok(!page.body.includes(initech.clientSecret), 'the secret is not in the page');
    assert.match(page.body, /will not be shown again/);

    // Resumable: a fresh browser with the link continues at the test sign-in.
    const resumed = await new Browser().get(created.url);
    assert.ok(parseForms(resumed.body).some(formOf('test_sign_in')));

    // A user who is not assigned (Okta answers access_denied) is explained.
    initech.authorizeError = 'access_denied';
    let start = await admin.submitForm(page, {}, { match: formOf('test_sign_in') });
    assert.equal(start.status, 303);
    let back = await admin.get(start.location);
    let callback = await admin.get(back.location);
    assert.equal(callback.status, 302);
    assert.equal(new URL(callback.location, worker.url).href, created.url);
    page = await admin.get(created.url);
    assert.match(unescapeHtml(page.body), /not assigned to the app/);
    initech.authorizeError = undefined;

    // A user outside the domains is refused; then erin passes.
    initech.user = initech.userFor('mallory@elsewhere.test');
    start = await admin.submitForm(page, {}, { match: formOf('test_sign_in') });
    callback = await admin.get((await admin.get(start.location)).location);
    assert.ok(!callback.setCookies.some((c) => c.name === 'sso_session' && c.value), 'no session for a refused test');
    page = await admin.get(created.url);
    assert.match(unescapeHtml(page.body), /mallory@elsewhere\.test signed in, but is not in the domains/);
    initech.user = initech.userFor('erin@initech.test');
    start = await admin.submitForm(page, {}, { match: formOf('test_sign_in') });
    callback = await admin.get((await admin.get(start.location)).location);
    assert.ok(!callback.setCookies.some((c) => c.name === 'sso_session'), 'a test sign-in creates no session');
    assert.equal(admin.cookie('sso_session'), undefined);
    page = await admin.get(created.url);
    assert.match(unescapeHtml(page.body), /erin@initech\.test signed in through the new connection/);

    // Before activation the org routes nothing.
    const early = await new Browser().get(`${worker.url}/_sso/login?email=erin@initech.test`);
    assert.equal(early.status, 404);

    // DNS: a missing record is explained; the right one verifies.
    const record = recordOf(page.body, 'initech.test');
    page = await admin.submitForm(page, {}, { match: formOf('verify_domain', { domain: 'initech.test' }), follow: true });
    assert.match(unescapeHtml(page.body), /no TXT record _edge-sso-challenge\.initech\.test was found/);
    dns.set(record.name, ['some-other=record', record.value]);
    page = await admin.submitForm(page, {}, { match: formOf('verify_domain', { domain: 'initech.test' }), follow: true });
    assert.ok(doh.queries.some((q) => q.name === record.name && q.type === 'TXT'));
    assert.ok(parseForms(page.body).some(formOf('activate')));

    page = await admin.submitForm(page, {}, { match: formOf('activate') });
    assert.equal(page.status, 200);
    assert.match(page.body, /Single sign-on is active/);

    // Spent; live at once for the verified domain only.
    assert.equal((await admin.get(created.url)).status, 404);
    const erin = new Browser();
    initech.user = initech.userFor('erin@initech.test');
    const flow = await signIn(erin, worker.url, { email: 'erin@initech.test' });
    assert.equal(new URL(flow.login.location).origin, new URL(initech.issuer).origin);
    assert.ok(erin.cookie('sso_session'), 'erin signed in through the new org');
    const unverified = await new Browser().get(`${worker.url}/_sso/login?email=peter@initrode.test`);
    assert.equal(unverified.status, 404, 'an unverified domain routes no login');

    const orgs = await (await api(worker, 'GET', '/orgs')).text();
    assert.ok(orgs.includes('"initech"') && !orgs.includes(initech.clientSecret));
    assert.ok(!worker.logs().includes(initech.clientSecret), 'the secret is never logged');
    assert.ok(!worker.logs().includes(new URL(created.url).pathname.split('/').pop()), 'nor the token');
  });

  test('the console: 302 to sign in, 403 for non-admins, lists orgs, creates and withdraws links, ends sessions, re-verifies', async () => {
    const anonymous = new Browser();
    const first = await anonymous.get(`${worker.url}/_sso/admin/`);
    assert.equal(first.status, 302);
    const to = new URL(first.location, worker.url);
    assert.equal(to.pathname + to.search, '/_sso/login?return_to=%2F_sso%2Fadmin%2F');

    vendor.user = vendor.userFor('eve@vendor.test');
    const eve = new Browser();
    await signIn(eve, worker.url, { org: 'vendor' });
    assert.equal((await eve.get(`${worker.url}/_sso/admin/`)).status, 403, 'a vendor user not listed');

    vendor.user = vendor.userFor('ops@vendor.test');
    const ops = new Browser();
    await signIn(ops, worker.url, { org: 'vendor' });
    let page = await ops.get(`${worker.url}/_sso/admin/`);
    assert.equal(page.status, 200);
    const text = unescapeHtml(page.body);
    assert.match(text, /vendor<\/b><div class="help">static/);
    assert.match(text, /initech<\/b><div class="help">setup link/);
    assert.match(text, /initech\.test <span class="ok">verified/);
    assert.match(text, /initrode\.test <span class="todo">not verified/);
    for (const secret of [vendor.clientSecret, initech.clientSecret]) assert.ok(!page.body.includes(secret), 'no secret in the console');

    // Cross-origin and CSRF-less console POSTs: 403.
    const csrf = parseForms(page.body)[0].fields.find((f) => f.name === 'csrf').value;
    const create = { action: 'create_invitation', org: 'globo', domains: 'globo.test', csrf };
    assert.equal((await ops.post(`${worker.url}/_sso/admin/`, new URLSearchParams(create), { origin: 'https://evil.example' })).status, 403);
    assert.equal((await ops.post(`${worker.url}/_sso/admin/`, new URLSearchParams({ ...create, csrf: 'x' }), { origin: worker.url })).status, 403);
    assert.equal((await ops.post(`${worker.url}/_sso/admin/`, new URLSearchParams(create), { headers: { origin: 'null', 'sec-fetch-site': 'same-origin' } })).status, 200, 'Origin: null from a no-referrer page is same-origin');
    // eve's session cannot post with ops's token either.
    assert.equal((await eve.post(`${worker.url}/_sso/admin/`, new URLSearchParams(create), { origin: worker.url })).status, 403);

    page = await ops.get(`${worker.url}/_sso/admin/`);
    page = await ops.submitForm(page, { org: 'globo2', domains: 'globo2.test', default_projects: 'a, b' }, { match: formOf('create_invitation') });
    assert.equal(page.status, 200);
    assert.match(unescapeHtml(page.body), /Setup link for globo2 created/);
    assert.match(page.body, /\/_sso\/setup\/[A-Za-z0-9_-]{43}/);
    page = await ops.submitForm(page, { org: 'x2', domains: 'initech.test' }, { match: formOf('create_invitation') });
    assert.equal(page.status, 409, 'a claimed domain');
    page = await ops.submitForm(page, {}, { match: formOf('withdraw_invitation', { org: 'globo2' }) });
    assert.equal(page.status, 200);
    assert.ok(!(await (await api(worker, 'GET', '/invitations')).text()).includes('globo2'));

    // Re-verification of initrode.test from the console.
    const record = { name: '_edge-sso-challenge.initrode.test', value: unescapeHtml(page.body).match(/_edge-sso-challenge\.initrode\.test<\/code> = <code>(edge-sso-verification=[0-9a-f]+)/)[1] };
    dns.set(record.name, [record.value]);
    page = await ops.submitForm(page, {}, { match: formOf('verify_domain', { domain: 'initrode.test' }) });
    assert.equal(page.status, 200);
    assert.match(unescapeHtml(page.body), /initrode\.test is verified/);
    const routed = await new Browser().get(`${worker.url}/_sso/login?email=peter@initrode.test`);
    assert.equal(routed.status, 302, 'now it routes');

    // End every session of a user by email.
    initech.user = initech.userFor('erin@initech.test');
    const erin = new Browser();
    await signIn(erin, worker.url, { email: 'erin@initech.test' });
    assert.equal((await erin.get(`${worker.url}/_sso/session`)).status, 200);
    page = await ops.submitForm(page, { email: 'erin@initech.test' }, { match: formOf('end_user_sessions') });
    assert.match(unescapeHtml(page.body), /[1-9]\d* session\(s\) of erin@initech\.test ended/);
    assert.equal((await erin.get(`${worker.url}/_sso/session`)).status, 401);

    // Edit domains (a new one is unverified), end an org's sessions, remove the org.
    page = await ops.submitForm(page, { domains: 'initech.test, initrode.test, initech-labs.test', default_projects: 'tps, labs' }, { match: formOf('edit_org', { org: 'initech' }) });
    assert.equal(page.status, 200);
    assert.match(unescapeHtml(page.body), /initech-labs\.test <span class="todo">not verified/);
    assert.equal((await new Browser().get(`${worker.url}/_sso/login?email=x@initech-labs.test`)).status, 404);
    await signIn(erin, worker.url, { email: 'erin@initech.test' });
    page = await ops.submitForm(page, {}, { match: formOf('end_org_sessions', { org: 'initech' }) });
    assert.match(unescapeHtml(page.body), /1 session\(s\) of initech ended/);
    assert.equal((await erin.get(`${worker.url}/_sso/session`)).status, 401);
    page = await ops.submitForm(page, {}, { match: formOf('remove_org', { org: 'initech' }) });
    assert.equal(page.status, 200);
    assert.equal((await new Browser().get(`${worker.url}/_sso/login?email=erin@initech.test`)).status, 404);
    assert.ok(!worker.logs().includes(initech.clientSecret) && !worker.logs().includes(vendor.clientSecret));
  });
});

describe('without SSO.admin', () => {
  let worker;
  let provider;
  before(async () => {
    provider = await startTestProvider();
    worker = await startWorker({ sso: { orgs: [provider.org()] }, secrets: { SSO_ADMIN_TOKEN: TOKEN } });
  });
  after(() => Promise.allSettled([worker?.stop(), provider?.stop()]));

  test('the console is 404, signed in or not; the invitations API still works with the token', async () => {
    const browser = new Browser();
    assert.equal((await browser.get(`${worker.url}/_sso/admin/`)).status, 404);
    await signIn(browser, worker.url, {});
    assert.ok(browser.cookie('sso_session'));
    assert.equal((await browser.get(`${worker.url}/_sso/admin/`)).status, 404);
    assert.equal((await browser.post(`${worker.url}/_sso/admin/`, new URLSearchParams({ action: 'remove_org' }), { origin: worker.url })).status, 404);
    assert.equal((await api(worker, 'POST', '/invitations', { org: 'initech', domains: ['initech.test'] })).status, 201);
  });
});
