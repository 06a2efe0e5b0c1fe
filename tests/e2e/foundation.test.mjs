// The worker's ground floor (interface.md §1–2): health check, what an unauthenticated
// request gets, the authorization request, and configuration errors.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../support/stack.mjs';
import { startWorker } from '../support/worker.mjs';
import { startTestProvider } from '../support/test-provider.mjs';
import { Browser, loginUrl } from '../support/browser.mjs';

let stack;
before(async () => {
  stack = await startStack({
    orgs: ['acme', { id: 'narrow', org: { scopes: ['email'] } }],
  });
});
after(() => stack?.stop());

describe('health and unauthenticated requests', () => {
  test('healthz answers 200 ok', async () => {
    const response = await fetch(stack.url('/_sso/healthz'));
    assert.equal(response.status, 200);
    assert.equal((await response.text()).trim(), 'ok');
  });

  test('browser navigation to a protected path redirects to login with return_to', async () => {
    const response = await new Browser().get(stack.url('/reports/q3?year=2025&sort=desc'));
    assert.equal(response.status, 302);
    const location = new URL(response.location);
    assert.equal(location.origin, new URL(stack.worker.url).origin);
    assert.equal(location.pathname, '/_sso/login');
    assert.equal(location.searchParams.get('return_to'), '/reports/q3?year=2025&sort=desc');
    assert.equal(stack.origin.requests.length, 0, 'nothing reached the origin');
  });

  test('HEAD navigation to a protected path also redirects to login', async () => {
    const response = await new Browser().request('HEAD', stack.url('/docs'));
    assert.equal(response.status, 302);
    assert.equal(new URL(response.location).pathname, '/_sso/login');
  });

  for (const [name, method, accept] of [
    ['a JSON GET', 'GET', 'application/json'],
    ['a GET without Accept', 'GET', null],
    ['a GET accepting anything', 'GET', '*/*'],
    ['a POST accepting HTML', 'POST', 'text/html'],
    ['a DELETE', 'DELETE', 'application/json'],
  ]) {
    test(`${name} to a protected path gets 401 unauthenticated JSON`, async () => {
      const headers = accept ? { accept } : {};
      const response = await fetch(stack.url('/api/items'), { method, headers, redirect: 'manual' });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      assert.deepEqual(await response.json(), { error: 'unauthenticated' });
      assert.equal(stack.origin.requests.filter((r) => r.path === '/api/items').length, 0);
    });
  }
});

describe('authorization request', () => {
  test('login with an email redirects to the authorization endpoint with PKCE, state, nonce and login_hint', async () => {
    const browser = new Browser();
    const response = await browser.get(loginUrl(stack.worker.url, { email: 'alice@acme.test', returnTo: '/x' }).href);
    assert.equal(response.status, 302);
    const location = new URL(response.location);
    assert.equal(`${location.origin}${location.pathname}`, `${stack.provider.issuer}/authorize`);
    const q = Object.fromEntries(location.searchParams);
    assert.equal(q.response_type, 'code');
    assert.equal(q.client_id, stack.provider.clientId);
    assert.equal(q.redirect_uri, `${stack.worker.url}/_sso/callback`);
    const scopes = q.scope.split(' ');
    for (const scope of ['openid', 'email', 'profile']) assert.ok(scopes.includes(scope), `default scope ${scope} in ${q.scope}`);
    assert.ok(q.state?.length >= 16, 'a state of some entropy');
    assert.ok(q.nonce?.length >= 16, 'a nonce of some entropy');
    assert.match(q.code_challenge ?? '', /^[A-Za-z0-9_-]{43}$/, 'an S256 code challenge (base64url of 32 bytes)');
    assert.equal(q.code_challenge_method, 'S256');
    assert.equal(q.login_hint, 'alice@acme.test');

    const loginCookies = response.setCookies.filter((c) => c.name !== 'sso_session');
    assert.ok(loginCookies.length >= 1, 'login state is bound to the browser with a cookie');
    for (const cookie of loginCookies) {
      assert.ok(cookie.httpOnly, `${cookie.name} is HttpOnly`);
      assert.notEqual(cookie.sameSite?.toLowerCase(), 'strict', `${cookie.name} must survive the IdP's redirect back`);
    }
    assert.equal(response.setCookies.some((c) => c.name === 'sso_session'), false, 'no session before the callback');
  });

  test('each login gets a fresh state, nonce and code challenge', async () => {
    const params = [];
    for (let i = 0; i < 2; i += 1) {
      const response = await new Browser().get(loginUrl(stack.worker.url, { email: 'alice@acme.test' }).href);
      params.push(new URL(response.location).searchParams);
    }
    for (const name of ['state', 'nonce', 'code_challenge']) {
      assert.notEqual(params[0].get(name), params[1].get(name), `${name} differs between logins`);
    }
  });

  test('openid is always requested, even when the configured scopes omit it', async () => {
    const response = await new Browser().get(loginUrl(stack.worker.url, { org: 'narrow' }).href);
    assert.equal(response.status, 302);
    const scopes = new URL(response.location).searchParams.get('scope').split(' ');
    assert.ok(scopes.includes('openid'), `scope ${scopes.join(' ')}`);
    assert.ok(scopes.includes('email'), `scope ${scopes.join(' ')}`);
  });

  test('a login without a known email sends no login_hint', async () => {
    const response = await new Browser().get(loginUrl(stack.worker.url, { org: 'acme' }).href);
    assert.equal(response.status, 302);
    assert.equal(new URL(response.location).searchParams.has('login_hint'), false);
  });
});

describe('single org', () => {
  let provider;
  let worker;
  before(async () => {
    provider = await startTestProvider();
    worker = await startWorker({ sso: { orgs: [provider.org()] } });
  });
  after(async () => {
    await worker?.stop();
    await provider?.stop();
  });

  test('login with neither org nor email goes to the only org', async () => {
    const response = await new Browser().get(`${worker.url}/_sso/login`);
    assert.equal(response.status, 302);
    assert.ok(response.location.startsWith(`${provider.issuer}/authorize?`), response.location);
  });

});

describe('configuration forms', () => {
  let provider;
  let asObject;
  let withoutBaseUrl;
  before(async () => {
    provider = await startTestProvider();
    [asObject, withoutBaseUrl] = await Promise.all([
      startWorker({ sso: { orgs: [provider.org()] }, ssoAs: 'object' }),
      // No base_url at all: the default is scheme://host of the request.
      startWorker({ sso: JSON.stringify({ orgs: [provider.org()] }) }),
    ]);
  });
  after(async () => {
    await Promise.allSettled([asObject?.stop(), withoutBaseUrl?.stop(), provider?.stop()]);
  });

  test('SSO given as a JSON object works', async () => {
    const response = await new Browser().get(`${asObject.url}/_sso/login?email=alice@acme.test`);
    assert.equal(response.status, 302);
    assert.ok(response.location.startsWith(`${provider.issuer}/authorize?`), response.location);
  });

  test('SSO given as a JSON string works (and base_url defaults to the request origin)', async () => {
    const response = await new Browser().get(`${withoutBaseUrl.url}/_sso/login?email=alice@acme.test`);
    assert.equal(response.status, 302);
    assert.equal(new URL(response.location).searchParams.get('redirect_uri'), `${withoutBaseUrl.url}/_sso/callback`);
  });
});

describe('bad configuration', () => {
  // Each broken worker: every request gets 500 with a generic message; the log names the field.
  const cases = [
    { name: 'SSO is not valid JSON', sso: '{"orgs": [', field: /\bSSO\b/, genericMayNameIt: true },
    {
      name: 'an org issuer is not a URL',
      sso: (url) => ({ base_url: url, orgs: [{ id: 'acme', issuer: 'not a url', client_id: 'c', client_secret: 's', domains: ['acme.test'] }] }),
      field: /orgs\[0\]\.issuer/,
    },
    {
      name: 'an org issuer is plain http on a public host',
      sso: (url) => ({
        base_url: url,
        orgs: [
          { id: 'ok', issuer: 'https://ok.example.com', client_id: 'c', client_secret: 's', domains: ['ok.test'] },
          { id: 'acme', issuer: 'http://idp.example.com', client_id: 'c', client_secret: 's', domains: ['acme.test'] },
        ],
      }),
      field: /orgs\[1\]\.issuer/,
    },
    {
      name: 'the session secret is missing',
      sso: (url) => ({ base_url: url, orgs: [{ id: 'acme', issuer: 'https://acme.example.com', client_id: 'c', client_secret: 's', domains: ['acme.test'] }] }),
      secrets: { SSO_SESSION_SECRET: null },
      field: /SSO_SESSION_SECRET/,
    },
    {
      name: 'the session secret is shorter than 32 bytes',
      sso: (url) => ({ base_url: url, orgs: [{ id: 'acme', issuer: 'https://acme.example.com', client_id: 'c', client_secret: 's', domains: ['acme.test'] }] }),
      secrets: { SSO_SESSION_SECRET: 'too-short' },
      field: /SSO_SESSION_SECRET/,
    },
    {
      name: 'an org id is not [a-z0-9-]',
      sso: (url) => ({ base_url: url, orgs: [{ id: 'Acme Corp', issuer: 'https://acme.example.com', client_id: 'c', client_secret: 's', domains: ['acme.test'] }] }),
      field: /orgs\[0\]\.id/,
    },
    {
      name: 'an org names an unknown jurisdiction',
      sso: (url) => ({
        base_url: url,
        orgs: [{ id: 'acme', issuer: 'https://acme.example.com', client_id: 'c', client_secret: 's', domains: ['acme.test'], jurisdiction: 'mars' }],
      }),
      field: /orgs\[0\]\.jurisdiction: unknown jurisdiction \(one of: eu, fedramp\)/,
    },
  ];
  const workers = new Map();
  before(async () => {
    const started = await Promise.all(cases.map((c) => startWorker({ sso: c.sso, secrets: c.secrets, healthy: false })));
    cases.forEach((c, i) => workers.set(c.name, started[i]));
  });
  after(() => Promise.allSettled([...workers.values()].map((w) => w.stop())));

  for (const c of cases) {
    test(`${c.name}: every request gets a generic 500 and the log names the field`, async () => {
      const worker = workers.get(c.name);
      for (const [path, accept] of [['/_sso/healthz', '*/*'], ['/some/page', 'text/html'], ['/_sso/login?email=a@acme.test', 'text/html'], ['/api', 'application/json']]) {
        const response = await fetch(`${worker.url}${path}`, { headers: { accept }, redirect: 'manual' });
        const body = await response.text();
        assert.equal(response.status, 500, `${path}: ${body.slice(0, 200)}`);
        if (!c.genericMayNameIt) {
          assert.doesNotMatch(body, c.field, `${path}: the answer stays generic (the field is for the log)`);
        }
        assert.doesNotMatch(body, /panicked|RuntimeError|unreachable|\.rs:\d+/, `${path}: no internals in the answer`);
      }
      await worker.waitForLog(c.field);
    });
  }
});

