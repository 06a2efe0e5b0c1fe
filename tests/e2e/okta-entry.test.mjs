// Okta's real entry points: third-party initiated login (OIDC Core §4, Okta's dashboard
// tile and the OIN initiate_login_uri), Universal Logout choosing the org by the JWT's
// `iss` AND `sub` (two apps of one Okta tenant), and Universal Logout answering 503 —
// never 401 — when the worker itself cannot check the request.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { startTestProvider } from '../support/test-provider.mjs';
import { startTestOrigin } from '../support/test-origin.mjs';
import { Browser, loginWithTestProvider } from '../support/browser.mjs';
import { assertLoggedIn, assertNoSession, assertSession } from '../support/stack.mjs';
import { unreachableUrl } from '../support/net.mjs';

const SECOND_CLIENT = 'acme-second-app';
const SECOND_SECRET = 'acme-second-app-secret';

let tenant; // one Okta tenant with two apps: org "acme" and org "acme-eu"
let globex;
let origin;
let worker;
before(async () => {
  [tenant, globex, origin] = await Promise.all([startTestProvider({ clientId: 'acme-main-app' }), startTestProvider(), startTestOrigin()]);
  tenant.addClient(SECOND_CLIENT, SECOND_SECRET);
  worker = await startWorker({
    sso: {
      origin: origin.url,
      orgs: [
        tenant.org({ id: 'acme', domains: ['acme.test'] }),
        tenant.org({ id: 'acme-eu', client_id: SECOND_CLIENT, client_secret: SECOND_SECRET, domains: ['acme-eu.test'] }),
        globex.org({ id: 'globex', domains: ['globex.test'] }),
      ],
    },
  });
});
after(() => Promise.allSettled([worker?.stop(), tenant?.stop(), globex?.stop(), origin?.stop()]));

/** Where a redirect of the worker goes, as a same-origin path and query (or the absolute URL when it leaves). */
const pathOf = (location) => {
  const url = new URL(location, worker.url);
  return url.origin === new URL(worker.url).origin ? `${url.pathname}${url.search}` : url.href;
};
const loginUrl = (query) => `${worker.url}/_sso/login?${new URLSearchParams(query)}`;

describe('third-party initiated login', () => {
  test('iss picks the org, login_hint is passed on, a same-site target_link_uri becomes return_to', async () => {
    const browser = new Browser();
    const flow = await loginWithTestProvider(browser, worker.url, {
      start: loginUrl({ iss: globex.issuer, login_hint: 'gina@globex.test', target_link_uri: `${worker.url}/reports?year=2026` }),
    });
    assert.equal(flow.login.status, 302);
    const authorize = new URL(flow.login.location);
    assert.equal(`${authorize.origin}${authorize.pathname}`, `${globex.issuer}/authorize`);
    assert.equal(authorize.searchParams.get('login_hint'), 'gina@globex.test');
    await assertLoggedIn(flow, browser, worker.url, { email: 'gina@globex.test', org: 'globex' });
    assert.equal(pathOf(flow.callback.location), '/reports?year=2026');
  });

  test('a relative target_link_uri is kept; one on another site becomes /', async () => {
    for (const [target, expected] of [
      ['/projects/x?tab=1', '/projects/x?tab=1'],
      ['https://evil.example/phish', '/'],
      [`${worker.url.replace('127.0.0.1', 'localhost')}/x`, '/'],
      ['//evil.example/x', '/'],
      ['javascript:alert(1)', '/'],
    ]) {
      const browser = new Browser();
      const flow = await loginWithTestProvider(browser, worker.url, {
        start: loginUrl({ iss: globex.issuer, login_hint: 'gina@globex.test', target_link_uri: target }),
      });
      assert.equal(flow.callback?.status, 302, target);
      assert.equal(pathOf(flow.callback.location), expected, target);
    }
  });

  test('an unknown issuer shows the discovery form with 404 and never redirects', async () => {
    for (const iss of ['https://evil.example', `${globex.issuer}/`]) {
      const res = await new Browser().get(loginUrl({ iss, target_link_uri: `${worker.url}/reports` }));
      assert.equal(res.status, 404, iss);
      assert.equal(res.location, null);
      assert.match(res.body, /<form method="get" action="\/_sso\/login"/);
      assert.match(res.body, /name="return_to" value="\/reports"/);
    }
  });

  test('org wins over iss; iss wins over the email\'s domain', async () => {
    const byOrg = await new Browser().get(loginUrl({ org: 'acme', iss: globex.issuer }));
    assert.ok(byOrg.location.startsWith(`${tenant.issuer}/authorize`));
    const byIss = await new Browser().get(loginUrl({ iss: globex.issuer, login_hint: 'ana@acme.test' }));
    assert.ok(byIss.location.startsWith(`${globex.issuer}/authorize`));
  });

  test('an issuer shared by two orgs is told apart by login_hint', async () => {
    const eu = await new Browser().get(loginUrl({ iss: tenant.issuer, login_hint: 'eva@acme-eu.test' }));
    assert.equal(new URL(eu.location).searchParams.get('client_id'), SECOND_CLIENT);
    const ask = await new Browser().get(loginUrl({ iss: tenant.issuer }));
    assert.equal(ask.status, 200, 'without a hint: the discovery form');
    assert.match(ask.body, /type="email"/);
  });
});

describe('Universal Logout for two apps of one Okta tenant', () => {
  const endpoint = () => `${worker.url}/_sso/global-token-revocation`;
  const revoke = (sub, body) => fetch(endpoint(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.universalLogoutToken({ aud: endpoint(), sub })}` },
    body: JSON.stringify(body),
  });

  /** Signs `user` in at `org` (both apps share the tenant's users). */
  async function signIn(org, user) {
    tenant.user = user;
    try {
      const browser = new Browser();
      const flow = await loginWithTestProvider(browser, worker.url, { org });
      await assertLoggedIn(flow, browser, worker.url, { org });
      return browser;
    } finally {
      tenant.user = undefined;
    }
  }

  test('each app\'s revocation reaches only its own org (iss_sub: the same subject in both)', async () => {
    const sub = `pat-${Date.now()}`;
    const base = { sub, email_verified: true, name: 'Pat', given_name: 'Pat', family_name: 'Shared' };
    const atAcme = await signIn('acme', { ...base, email: 'pat@acme.test' });
    const atEu = await signIn('acme-eu', { ...base, email: 'pat@acme-eu.test' });

    const second = await revoke(SECOND_CLIENT, { sub_id: { format: 'iss_sub', iss: tenant.issuer, sub } });
    assert.equal(second.status, 204);
    await assertNoSession(atEu, worker.url, 'the second app\'s session is revoked');
    await assertSession(atAcme, worker.url, {}, 'the main app\'s session of the same subject stays');

    const main = await revoke(tenant.clientId, { sub_id: { format: 'iss_sub', iss: tenant.issuer, sub } });
    assert.equal(main.status, 204);
    await assertNoSession(atAcme, worker.url, 'now the main app\'s session is revoked too');
  });

  test('a user of the other app is "no such user" (404) for this app', async () => {
    const eva = await signIn('acme-eu', { ...tenant.userFor('eva@acme-eu.test') });
    const wrongApp = await revoke(tenant.clientId, { sub_id: { format: 'email', email: 'eva@acme-eu.test' } });
    assert.equal(wrongApp.status, 404);
    await assertSession(eva, worker.url, {}, 'untouched');
    assert.equal((await revoke(SECOND_CLIENT, { sub_id: { format: 'email', email: 'eva@acme-eu.test' } })).status, 204);
    await assertNoSession(eva, worker.url);
  });

  test('a sub that is no app of that issuer is 401', async () => {
    for (const sub of ['some-other-app', globex.clientId, undefined]) {
      const res = await revoke(sub, { sub_id: { format: 'email', email: 'pat@acme.test' } });
      assert.equal(res.status, 401, String(sub));
    }
  });
});

describe('Universal Logout when the worker cannot check the JWT itself', () => {
  let broken;
  let provider;
  before(async () => {
    provider = await startTestProvider();
    broken = await startWorker({
      sso: { orgs: [provider.org({ id: 'acme', domains: ['acme.test'], universal_logout: { jwks_uri: await unreachableUrl('/keys') } })] },
    });
  });
  after(() => Promise.allSettled([broken?.stop(), provider?.stop()]));

  test('the IdP\'s keys unreachable: 503, not 401', async () => {
    const url = `${broken.url}/_sso/global-token-revocation`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${provider.universalLogoutToken({ aud: url })}` },
      body: JSON.stringify({ sub_id: { format: 'email', email: 'ana@acme.test' } }),
    });
    assert.equal(res.status, 503);
  });
});
