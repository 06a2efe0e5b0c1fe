// Whose email it is (interface §4): an org's IdP vouches only for its own domains. An
// ID token or userinfo email outside them, or with `email_verified: false`, is refused
// with 403: no session, no provisioning call, a clear page and a log line. Orgs created
// through the admin API must list a domain; userinfo claims are bounded like ID-token claims.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, assertLoggedIn, assertLoginRefused } from '../support/stack.mjs';
import { Browser } from '../support/browser.mjs';
import { startTestProvider } from '../support/test-provider.mjs';

const ADMIN_TOKEN = 'whose-email-admin-token-0123456789abcdef';

let stack;
before(async () => {
  // acme lists acme.test; `open` lists no domain (static configuration only) and may assert any email.
  stack = await startStack({
    orgs: ['acme', { id: 'open', org: { domains: [] } }],
    provisioning: true,
    worker: { secrets: { SSO_ADMIN_TOKEN: ADMIN_TOKEN } },
  });
});
after(() => stack?.stop());

const acme = () => stack.providers.acme;
let counter = 0;
const fresh = (domain = 'acme.test') => `u${++counter}-${Date.now()}@${domain}`;

/** Logs in at `org` as the provider's `user`; answers `{ browser, flow, calls }`. */
async function loginAs(org, user) {
  const provider = stack.providers[org];
  provider.user = user;
  const before = stack.origin.provisionCalls.length;
  try {
    const browser = new Browser();
    const flow = await stack.login(browser, { org });
    return { browser, flow, calls: stack.origin.provisionCalls.slice(before) };
  } finally {
    provider.user = undefined;
  }
}

describe('an org with domains', () => {
  test('an email inside its domains signs in', async () => {
    const user = acme().userFor(fresh());
    const { browser, flow } = await loginAs('acme', user);
    await assertLoggedIn(flow, browser, stack.worker.url, { email: user.email });
  });

  for (const [name, email] of [
    ['another tenant\'s domain', 'ceo@globex.test'],
    ['a subdomain of its domain', 'ana@eu.acme.test'],
    ['a look-alike domain', 'ana@acme.test.evil.example'],
  ]) {
    test(`an ID token email at ${name}: 403, no session, no provisioning call, a clear page, a log line`, async () => {
      const start = stack.worker.logs().length;
      const user = { ...acme().userFor(fresh()), email };
      const { browser, flow, calls } = await loginAs('acme', user);
      await assertLoginRefused(flow, browser, stack.worker.url, 403);
      assert.equal(calls.length, 0, 'no provisioning call');
      assert.match(flow.callback.headers.get('content-type') ?? '', /text\/html/);
      assert.match(flow.callback.body, /does not belong to your organization/);
      assert.ok(!flow.callback.body.includes(email), 'the page does not echo the address');
      await stack.worker.waitForLog(/"event":"callback".*"status":403.*whose email: email domain/);
      assert.ok(!stack.worker.logs().slice(start).includes(email), 'the log names the domain, not the address');
    });
  }

  test('email_verified: false (boolean or string): 403, no session, no provisioning call', async () => {
    for (const verified of [false, 'false']) {
      const user = { ...acme().userFor(fresh()), email_verified: verified };
      const { browser, flow, calls } = await loginAs('acme', user);
      await assertLoginRefused(flow, browser, stack.worker.url, 403);
      assert.equal(calls.length, 0);
    }
    await stack.worker.waitForLog(/whose email: email_verified is false/);
  });

  test('email_verified absent (Okta may not send it) is accepted', async () => {
    const { email_verified: _, ...user } = acme().userFor(fresh());
    const { browser, flow } = await loginAs('acme', user);
    await assertLoggedIn(flow, browser, stack.worker.url, { email: user.email });
  });

  test('an email that only userinfo gives is held to the same rule', async () => {
    const user = { ...acme().userFor(fresh()), email: undefined };
    acme().hooks.userinfo = (claims) => ({ ...claims, email: 'ceo@globex.test', email_verified: true });
    try {
      const { browser, flow, calls } = await loginAs('acme', user);
      await assertLoginRefused(flow, browser, stack.worker.url, 403);
      assert.equal(calls.length, 0);
      assert.ok(acme().requests.userinfo.length > 0, 'userinfo was asked');
    } finally {
      acme().hooks.userinfo = undefined;
    }
  });

  test('userinfo claims are bounded like ID-token claims: an oversized name is 401', async () => {
    const user = { ...acme().userFor(fresh()), name: undefined, given_name: undefined, family_name: undefined };
    acme().hooks.userinfo = (claims) => ({ ...claims, name: 'n'.repeat(1025) });
    try {
      const { browser, flow } = await loginAs('acme', user);
      await assertLoginRefused(flow, browser, stack.worker.url, 401);
    } finally {
      acme().hooks.userinfo = undefined;
    }
  });
});

describe('an org without domains (static configuration)', () => {
  test('may assert any email', async () => {
    const user = stack.providers.open.userFor(fresh('anywhere.example'));
    const { browser, flow } = await loginAs('open', user);
    await assertLoggedIn(flow, browser, stack.worker.url, { email: user.email });
  });
});

describe('the admin API', () => {
  let initech;
  before(async () => {
    initech = await startTestProvider({ clientId: 'initech-client' });
  });
  after(() => initech?.stop());

  test('an org without a domain is refused (400), with one it is stored', async () => {
    const put = (body) => fetch(`${stack.worker.url}/_sso/admin/orgs/initech`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const base = { issuer: initech.issuer, client_id: initech.clientId, client_secret: initech.clientSecret };
    for (const body of [base, { ...base, domains: [] }]) {
      const res = await put(body);
      assert.equal(res.status, 400);
      assert.match((await res.json()).error_description, /domains/);
    }
    assert.equal((await put({ ...base, domains: ['initech.test'] })).status, 200);
  });
});
