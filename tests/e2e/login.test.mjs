// SP-initiated login end to end (interface.md §2–4): the happy path and what the origin
// receives, domain discovery, return_to, state handling, IdP errors, the session cookie,
// header and cookie spoofing, public paths, client authentication.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  startStack, assertNoSession, assertSession, assertLoggedIn, assertLoginRefused, describeFlow,
  verifyAssertion, ssoHeaderEncode, ssoHeaders,
} from '../support/stack.mjs';
import { Browser, discoveryFormIndex, loginUrl, parseForms, sessionOf } from '../support/browser.mjs';
import { nowSecs } from '../support/jwt.mjs';

let stack;
before(async () => {
  stack = await startStack({
    orgs: [
      'acme',
      { id: 'globex', org: { token_endpoint_auth_method: 'client_secret_post' } },
      { id: 'initech', org: { client_secret: undefined, client_secret_var: 'INITECH_CLIENT_SECRET' } },
    ],
    // initech reads its client secret from a Worker secret.
    worker: (providers) => ({ secrets: { INITECH_CLIENT_SECRET: providers.initech.clientSecret } }),
  });
});
after(() => stack?.stop());

/** A fresh browser signed in as `email` (default alice@acme.test) through `org`'s provider. */
async function signedIn({ email = 'alice@acme.test', org, returnTo = '/' } = {}) {
  const browser = new Browser();
  const flow = await stack.login(browser, { email, org, returnTo });
  await assertLoggedIn(flow, browser, stack.worker.url);
  return { browser, flow };
}

describe('happy path', () => {
  test('a protected page goes through login and reaches the origin with the identity', async () => {
    const provider = stack.provider;
    const user = provider.userFor('alice@acme.test');
    const browser = new Browser();
    const flow = await stack.login(browser, { start: '/dashboard?tab=1&x=%2F', email: 'alice@acme.test' });
    assert.equal(flow.protected?.status, 302, describeFlow(flow));
    assert.equal(new URL(flow.protected.location).searchParams.get('return_to'), '/dashboard?tab=1&x=%2F');
    assert.equal(flow.callback?.status, 302, describeFlow(flow));
    assert.equal(new URL(flow.callback.location, stack.worker.url).href, stack.url('/dashboard?tab=1&x=%2F'));
    assert.equal(flow.final.status, 200);
    assert.equal(flow.final.body, 'origin saw GET /dashboard');

    const seen = stack.origin.lastRequest('/dashboard');
    assert.equal(seen.rawQuery, '?tab=1&x=%2F', 'path and query kept');
    const h = seen.headers;
    assert.equal(h['x-sso-subject'], ssoHeaderEncode(user.sub));
    assert.equal(h['x-sso-email'], ssoHeaderEncode(user.email));
    assert.equal(upperHex(h['x-sso-name']), ssoHeaderEncode(user.name));
    assert.equal(h['x-sso-org'], 'acme');
    assert.equal(h['x-sso-issuer'], provider.issuer);

    const { payload, protectedHeader } = await verifyAssertion(h['x-sso-assertion'], {
      workerUrl: stack.worker.url,
      audience: stack.origin.url,
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.iss, stack.worker.url);
    assert.equal(payload.aud, stack.origin.url);
    assert.equal(payload.sub, user.sub);
    assert.equal(payload.email, user.email);
    assert.equal(payload.name, user.name);
    assert.equal(payload.org, 'acme');
    assert.equal(payload.idp_iss, provider.issuer);
    assert.equal(payload.exp, payload.iat + 60);
    assert.ok(Math.abs(payload.iat - nowSecs()) < 30, 'iat is now');
    assert.ok(typeof payload.jti === 'string' && payload.jti.length > 0, 'jti');

    // The authorization code was exchanged with PKCE and HTTP Basic client authentication.
    const tokenRequest = provider.last('token');
    assert.equal(tokenRequest.pkce, true, 'code_verifier matches the S256 challenge');
    assert.equal(tokenRequest.authMethod, 'client_secret_basic');

    const session = await sessionOf(browser, stack.worker.url);
    assert.equal(session.status, 200);
    assert.match(session.headers.get('cache-control') ?? '', /no-store/);
    assert.equal(session.body.authenticated, true);
    assert.equal(session.body.org, 'acme');
    assert.equal(session.body.subject, user.sub);
    assert.equal(session.body.email, user.email);
    assert.equal(session.body.name, user.name);
    assert.ok(Number.isInteger(session.body.expires_at) && session.body.expires_at > nowSecs(), 'expires_at in Unix seconds');
    assert.ok(session.body.expires_at <= nowSecs() + 86400 + 60, 'expires_at within the absolute timeout');
  });

  test('/_sso/session without a cookie answers 401 {"authenticated":false}, not cached', async () => {
    const { status, body, headers } = await sessionOf(new Browser(), stack.worker.url);
    assert.equal(status, 401);
    assert.deepEqual(body, { authenticated: false });
    assert.match(headers.get('cache-control') ?? '', /no-store/);
  });

  test('an authenticated request keeps method, path, query and body', async () => {
    const { browser } = await signedIn();
    const response = await browser.post(stack.url('/api/items?kind=a%20b'), '{"n":1}', {
      headers: { 'content-type': 'application/json', accept: 'application/json' },
    });
    assert.equal(response.status, 200);
    const seen = stack.origin.lastRequest('/api/items');
    assert.equal(seen.method, 'POST');
    assert.equal(seen.rawQuery, '?kind=a%20b');
    assert.equal(seen.body, '{"n":1}');
    assert.equal(seen.headers['content-type'], 'application/json');
  });

  test('every forwarded request carries a fresh assertion', async () => {
    const { browser } = await signedIn();
    await browser.get(stack.url('/one'));
    await browser.get(stack.url('/two'));
    const [one, two] = [stack.origin.lastRequest('/one'), stack.origin.lastRequest('/two')];
    const a = await verifyAssertion(one.headers['x-sso-assertion'], { workerUrl: stack.worker.url, audience: stack.origin.url });
    const b = await verifyAssertion(two.headers['x-sso-assertion'], { workerUrl: stack.worker.url, audience: stack.origin.url });
    assert.ok(a.payload.exp > nowSecs() && b.payload.exp > nowSecs(), 'not expired');
  });

  test('non-ASCII, % and control characters in the name are percent-encoded in X-Sso-Name', async () => {
    const provider = stack.provider;
    provider.user = {
      sub: 'sub-unicode-1',
      email: 'jose@acme.test',
      email_verified: true,
      name: 'José Ñúñez 100%\r\nX-Sso-Org: evil',
      given_name: 'José',
      family_name: 'Ñúñez',
    };
    try {
      const { browser } = await signedIn({ email: 'jose@acme.test' });
      await browser.get(stack.url('/whoami'));
      const h = stack.origin.lastRequest('/whoami').headers;
      assert.equal(upperHex(h['x-sso-name']), ssoHeaderEncode(provider.user.name));
      assert.equal(h['x-sso-org'], 'acme', 'no header injection');
      const { payload } = await verifyAssertion(h['x-sso-assertion'], { workerUrl: stack.worker.url, audience: stack.origin.url });
      assert.equal(payload.name, provider.user.name, 'the assertion carries the name unencoded');
    } finally {
      provider.user = undefined;
    }
  });
});

describe('domain discovery', () => {
  test('without org or email, several orgs: 200 discovery form carrying return_to', async () => {
    const response = await new Browser().get(stack.url('/_sso/login?return_to=%2Freports%2Fq3'));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const form = discoveryForm(response);
    assert.ok(form.fields.some((f) => f.type === 'email' && f.name === 'email'), 'an email input');
    const returnTo = form.fields.find((f) => f.name === 'return_to');
    assert.equal(returnTo?.type, 'hidden');
    assert.equal(returnTo.value, '/reports/q3');
  });

  test('submitting the discovery form with an email routes to that domain\'s org', async () => {
    const browser = new Browser();
    const page = await browser.get(stack.url('/_sso/login?return_to=%2Fx'));
    const response = await browser.submitForm(page, { email: 'carol@globex.test' }, { formIndex: discoveryFormIndex(page) });
    assert.equal(response.status, 302);
    const location = new URL(response.location);
    assert.equal(`${location.origin}${location.pathname}`, `${stack.providers.globex.issuer}/authorize`);
    assert.equal(location.searchParams.get('login_hint'), 'carol@globex.test');
  });

  test('email domains match case-insensitively', async () => {
    const response = await new Browser().get(loginUrl(stack.worker.url, { email: 'Carol@GLOBEX.test' }).href);
    assert.equal(response.status, 302);
    assert.ok(response.location.startsWith(`${stack.providers.globex.issuer}/authorize?`), response.location);
  });

  test('an unknown domain re-shows the form with 404 and a message, everything escaped', async () => {
    const evilEmail = '"><script>alert(1)</script>@unknown.test';
    const evilReturn = '/"><script>alert(2)</script>';
    const response = await new Browser().get(loginUrl(stack.worker.url, { email: evilEmail, returnTo: evilReturn }).href);
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.doesNotMatch(response.body, /<script>alert/);
    discoveryForm(response);
  });

  test('an org chosen by org= wins over the email domain', async () => {
    const response = await new Browser().get(loginUrl(stack.worker.url, { org: 'globex', email: 'alice@acme.test' }).href);
    assert.equal(response.status, 302);
    assert.ok(response.location.startsWith(`${stack.providers.globex.issuer}/authorize?`), response.location);
  });

  test('an unknown org= is refused without redirecting to any IdP', async () => {
    const response = await new Browser().get(loginUrl(stack.worker.url, { org: 'nope<b>' }).href);
    assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}`);
    assert.doesNotMatch(response.body, /nope<b>/);
  });
});

describe('return_to', () => {
  const hostile = [
    '//evil.com',
    '//evil.com/path',
    'https://evil.com',
    'http://evil.com/x',
    'https:/evil.com',
    '/\\evil.com',
    '\\\\evil.com',
    '/\t/evil.com',
    ' //evil.com',
    'javascript:alert(1)',
    'data:text/html,hi',
    'evil.com',
  ];
  for (const returnTo of hostile) {
    test(`return_to ${JSON.stringify(returnTo)} ends at /`, async () => {
      const browser = new Browser();
      const flow = await stack.login(browser, { email: 'alice@acme.test', returnTo });
      assert.equal(flow.callback?.status, 302, describeFlow(flow));
      assert.equal(new URL(flow.callback.location, stack.worker.url).href, stack.url('/'), `raw Location ${flow.callback.rawLocation}`);
    });
  }

  test('an encoded //evil.com stays on the worker (never decoded into a host)', async () => {
    const browser = new Browser();
    const flow = await stack.login(browser, { email: 'alice@acme.test', returnTo: '/%2F%2Fevil.com' });
    assert.equal(flow.callback?.status, 302, describeFlow(flow));
    const raw = flow.callback.rawLocation;
    assert.ok(['/', '/%2F%2Fevil.com', stack.url('/'), stack.url('/%2F%2Fevil.com')].includes(raw), `Location ${raw}`);
  });

  test('a protected path that looks protocol-relative still returns to the worker', async () => {
    const browser = new Browser();
    const flow = await stack.login(browser, { start: `${stack.worker.url}//evil.com/x`, email: 'alice@acme.test' });
    assert.equal(flow.callback?.status, 302, describeFlow(flow));
    assert.equal(new URL(flow.callback.location, stack.worker.url).origin, new URL(stack.worker.url).origin);
    assert.ok(!/^\/\//.test(flow.callback.rawLocation) && !/^\/\\/.test(flow.callback.rawLocation), flow.callback.rawLocation);
  });

  test('a good relative return_to is honoured exactly', async () => {
    const browser = new Browser();
    const flow = await stack.login(browser, { email: 'alice@acme.test', returnTo: '/reports/q3?year=2025&q=a%26b#frag' });
    assert.equal(flow.callback?.status, 302, describeFlow(flow));
    const target = new URL(flow.callback.location, stack.worker.url);
    assert.equal(target.origin, new URL(stack.worker.url).origin);
    assert.equal(`${target.pathname}${target.search}`, '/reports/q3?year=2025&q=a%26b');
  });
});

describe('state', () => {
  test('two logins started in parallel in one browser both complete', async () => {
    const browser = new Browser();
    const first = await browser.get(loginUrl(stack.worker.url, { email: 'alice@acme.test', returnTo: '/first' }).href);
    const second = await browser.get(loginUrl(stack.worker.url, { email: 'alice@acme.test', returnTo: '/second' }).href);
    assert.equal(first.status, 302);
    assert.equal(second.status, 302);
    const firstAuth = await browser.get(first.location);
    const secondAuth = await browser.get(second.location);
    const secondCallback = await browser.get(secondAuth.location);
    const firstCallback = await browser.get(firstAuth.location);
    assert.equal(secondCallback.status, 302, secondCallback.body.slice(0, 300));
    assert.equal(firstCallback.status, 302, firstCallback.body.slice(0, 300));
    assert.equal(new URL(secondCallback.location, stack.worker.url).pathname, '/second');
    assert.equal(new URL(firstCallback.location, stack.worker.url).pathname, '/first');
    await assertSession(browser, stack.worker.url);
  });

  test('a reused state is rejected with 400, even with a copy of the login cookie', async () => {
    const browser = new Browser();
    const login = await browser.get(loginUrl(stack.worker.url, { email: 'alice@acme.test' }).href);
    const authorize = await browser.get(login.location);
    const copy = browser.clone(); // holds the login cookie as it was before the callback
    const callback = await browser.get(authorize.location);
    assert.equal(callback.status, 302);
    const replay = await browser.get(authorize.location);
    assert.equal(replay.status, 400, 'replayed in the same browser');
    const replayFromCopy = await copy.get(authorize.location);
    assert.equal(replayFromCopy.status, 400, 'replayed with the saved login cookie');
    await assertNoSession(copy, stack.worker.url);
  });

  test('a callback without state is rejected with 400', async () => {
    const browser = new Browser();
    const login = await browser.get(loginUrl(stack.worker.url, { email: 'alice@acme.test' }).href);
    const authorize = await browser.get(login.location);
    const callback = new URL(authorize.location);
    callback.searchParams.delete('state');
    const response = await browser.get(callback.href);
    assert.equal(response.status, 400);
    await assertNoSession(browser, stack.worker.url);
  });

  test('a callback with no parameters at all is rejected with 400', async () => {
    const browser = new Browser();
    const response = await browser.get(stack.url('/_sso/callback'));
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    await assertNoSession(browser, stack.worker.url);
  });

  test('a tampered state is rejected with 400', async () => {
    const browser = new Browser();
    const login = await browser.get(loginUrl(stack.worker.url, { email: 'alice@acme.test' }).href);
    const authorize = await browser.get(login.location);
    const callback = new URL(authorize.location);
    const state = callback.searchParams.get('state');
    callback.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`);
    const response = await browser.get(callback.href);
    assert.equal(response.status, 400);
    await assertNoSession(browser, stack.worker.url);
  });

  test('a state started in another browser is rejected with 400', async () => {
    const victim = new Browser();
    const login = await victim.get(loginUrl(stack.worker.url, { email: 'alice@acme.test' }).href);
    const authorize = await victim.get(login.location);
    const attacker = new Browser(); // no login cookie
    const response = await attacker.get(authorize.location);
    assert.equal(response.status, 400);
    await assertNoSession(attacker, stack.worker.url);
  });

  test('an escaped error page never echoes the callback parameters unescaped', async () => {
    const browser = new Browser();
    const response = await browser.get(stack.url('/_sso/callback?state=%3Cscript%3Ealert(1)%3C/script%3E&code=%3Cimg%20src=x%3E'));
    assert.equal(response.status, 400);
    assert.doesNotMatch(response.body, /<script>alert|<img src=x>/);
  });
});

describe('IdP answers', () => {
  test('IdP error=access_denied: 401 HTML, description escaped, no session', async () => {
    const provider = stack.provider;
    provider.authorizeError = { error: 'access_denied', error_description: '<script>alert(1)</script>' };
    try {
      const browser = new Browser();
      const flow = await stack.login(browser, { email: 'alice@acme.test' });
      await assertLoginRefused(flow, browser, stack.worker.url, 401);
      assert.match(flow.callback.headers.get('content-type') ?? '', /text\/html/);
      assert.doesNotMatch(flow.callback.body, /<script>alert/);
    } finally {
      provider.authorizeError = undefined;
    }
  });

  test('callback iss different from the issuer: 401 before any code exchange (RFC 9207)', async () => {
    const provider = stack.provider;
    provider.callbackIss = 'https://evil.example.com';
    try {
      const tokenCalls = provider.count('token');
      const browser = new Browser();
      const flow = await stack.login(browser, { email: 'alice@acme.test' });
      await assertLoginRefused(flow, browser, stack.worker.url, 401);
      assert.equal(provider.count('token'), tokenCalls, 'the code is not exchanged');
    } finally {
      provider.callbackIss = false;
    }
  });

  test('callback iss equal to the issuer is accepted', async () => {
    const provider = stack.provider;
    provider.callbackIss = true;
    try {
      await signedIn();
    } finally {
      provider.callbackIss = false;
    }
  });

  test('a token endpoint refusing the code: 401, no session', async () => {
    const provider = stack.provider;
    provider.script('token', { status: 400, json: { error: 'invalid_grant' }, times: 1 });
    const browser = new Browser();
    const flow = await stack.login(browser, { email: 'alice@acme.test' });
    provider.unscript('token');
    await assertLoginRefused(flow, browser, stack.worker.url, 401);
  });
});

describe('session cookie', () => {
  test('sso_session is HttpOnly, SameSite=Lax, Path=/, not Secure on http, and holds no personal data', async () => {
    const user = stack.provider.userFor('alice@acme.test');
    const { flow } = await signedIn();
    const cookie = flow.callback.setCookies.find((c) => c.name === 'sso_session');
    assert.ok(cookie, 'the callback sets sso_session');
    assert.equal(cookie.httpOnly, true, 'HttpOnly');
    assert.equal(cookie.sameSite?.toLowerCase(), 'lax', 'SameSite=Lax');
    assert.equal(cookie.path, '/', 'Path=/');
    assert.equal(cookie.secure, false, 'no Secure on an http base_url');
    assert.ok(cookie.value.length >= 32, 'at least 128 random bits plus a MAC');

    const forbidden = [user.email, user.sub, user.name, user.given_name, 'alice', 'acme.test'];
    for (const text of cookieReadings(cookie.value)) {
      for (const word of forbidden) {
        assert.ok(!text.toLowerCase().includes(word.toLowerCase()), `cookie (read as ${JSON.stringify(text.slice(0, 40))}…) holds ${word}`);
      }
    }
  });

  test('two logins get different session cookies', async () => {
    const a = await signedIn();
    const b = await signedIn();
    assert.notEqual(a.browser.cookie('sso_session').value, b.browser.cookie('sso_session').value);
  });

  test('a tampered session cookie is unauthenticated', async () => {
    const { browser } = await signedIn();
    const value = browser.cookie('sso_session').value;
    for (const tampered of [
      `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`,
      `${value.slice(0, 4)}${value[4] === 'x' ? 'y' : 'x'}${value.slice(5)}`,
      value.slice(0, -4),
      `${value}AAAA`,
      'x'.repeat(value.length),
      '',
    ]) {
      const other = new Browser();
      other.setCookie(stack.worker.url, `sso_session=${tampered}; Path=/`);
      await assertNoSession(other, stack.worker.url, `tampered cookie ${tampered.slice(0, 12)}…`);
      const page = await other.get(stack.url('/secret'));
      assert.equal(page.status, 302, 'a navigation goes to login');
      const api = await other.get(stack.url('/secret'), { accept: 'application/json' });
      assert.equal(api.status, 401);
    }
  });
});

describe('spoofing', () => {
  const spoofHeaders = {
    'X-Sso-Email': 'mallory@evil.test',
    X_Sso_Email: 'mallory@evil.test',
    'x-sso-subject': 'mallory',
    'X-SSO-ORG': 'evil',
    'X-Sso-Issuer': 'https://evil.test',
    'X-Sso-Assertion': 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.',
    'X-Sso-Anything': 'x',
    X_SSO_Name: 'Mallory',
    'x_sso-name': 'Mallory',
  };
  const spoofCookies = 'sso_foo=1; keep=me; sso_login=forged; SSO_X=2; other=also';

  test('spoofed X-Sso-* headers (also with _) and sso_* cookies never reach the origin on an authenticated request', async () => {
    const user = stack.provider.userFor('alice@acme.test');
    const { browser } = await signedIn();
    const session = browser.cookie('sso_session').value;
    const response = await browser.get(stack.url('/spoof-check'), {
      headers: { ...spoofHeaders, cookie: `${spoofCookies}; sso_session=${session}` },
    });
    assert.equal(response.status, 200);
    const seen = stack.origin.lastRequest('/spoof-check');
    const sso = ssoHeaders(seen.headers);
    assert.deepEqual(Object.keys(sso).sort(), ['x-sso-assertion', 'x-sso-email', 'x-sso-issuer', 'x-sso-name', 'x-sso-org', 'x-sso-subject']);
    assert.equal(sso['x-sso-email'], user.email);
    assert.equal(sso['x-sso-subject'], user.sub);
    assert.equal(sso['x-sso-org'], 'acme');
    assert.equal(sso['x-sso-issuer'], stack.provider.issuer);
    assert.notEqual(sso['x-sso-assertion'], spoofHeaders['X-Sso-Assertion']);
    assertCookiesStripped(seen.headers.cookie);
  });

  test('spoofed X-Sso-* headers and sso_* cookies never reach the origin on a public path', async () => {
    const response = await fetch(stack.url('/public/spoof.css'), { headers: { ...spoofHeaders, cookie: spoofCookies } });
    assert.equal(response.status, 200);
    const seen = stack.origin.lastRequest('/public/spoof.css');
    assert.deepEqual(ssoHeaders(seen.headers), {});
    assertCookiesStripped(seen.headers.cookie);
  });

  test('a signed-in user on a public path: the origin gets no spoofed header', async () => {
    const { browser } = await signedIn();
    await browser.get(stack.url('/public/p.js'), { headers: { 'X-Sso-Email': 'mallory@evil.test' } });
    const seen = stack.origin.lastRequest('/public/p.js');
    assert.notEqual(seen.headers['x-sso-email'], 'mallory@evil.test');
  });

  test('X-Forwarded-Uri and friends cannot make a protected path public', async () => {
    const before = stack.origin.requests.length;
    const response = await fetch(stack.url('/admin/secret'), {
      headers: {
        accept: 'application/json',
        'X-Forwarded-Uri': '/public/x',
        'X-Original-URL': '/public/x',
        'X-Rewrite-URL': '/public/x',
        'X-Forwarded-Prefix': '/public/',
        'X-Forwarded-Host': 'evil.test',
      },
    });
    assert.equal(response.status, 401);
    assert.equal(stack.origin.requests.length, before, 'nothing reached the origin');
  });

  test('dot segments cannot climb out of a public prefix', async () => {
    // The test origin resolves dot segments as most origins do, so a forwarded
    // `/public/../admin/secret` would show up as /admin/secret.
    const status = await rawRequest(stack.worker.port, '/public/../admin/secret');
    assert.ok(status < 500, `status ${status}`);
    assert.ok(!stack.origin.requests.some((r) => r.path === '/admin/secret'), 'the origin never saw /admin/secret unauthenticated');
  });
});

describe('public paths', () => {
  test('a public path reaches the origin without a session, query and body kept', async () => {
    const response = await fetch(stack.url('/public/app.css?v=3'), { method: 'POST', body: 'hello', headers: { accept: 'text/html' } });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'origin saw POST /public/app.css');
    const seen = stack.origin.lastRequest('/public/app.css');
    assert.equal(seen.rawQuery, '?v=3');
    assert.equal(seen.body, 'hello');
  });

  test('a path that only starts like the public prefix stays protected', async () => {
    const response = await fetch(stack.url('/publicity'), { headers: { accept: 'application/json' } });
    assert.equal(response.status, 401);
  });
});

describe('client authentication', () => {
  test('client_secret_basic (the default) sends HTTP Basic credentials', async () => {
    await signedIn({ email: 'alice@acme.test' });
    const request = stack.providers.acme.last('token');
    assert.equal(request.authMethod, 'client_secret_basic');
    assert.equal(request.form.client_secret, undefined, 'no secret in the body');
  });

  test('client_secret_post sends client_id and client_secret in the body', async () => {
    await signedIn({ email: 'carol@globex.test' });
    const request = stack.providers.globex.last('token');
    assert.equal(request.authMethod, 'client_secret_post');
    assert.equal(request.form.client_id, stack.providers.globex.clientId);
    assert.equal(request.headers.authorization, undefined, 'no Basic header');
  });

  test('client_secret_var reads the client secret from the named Worker secret', async () => {
    await signedIn({ email: 'erin@initech.test' });
    const request = stack.providers.initech.last('token');
    assert.equal(request.authMethod, 'client_secret_basic');
  });
});

/** The discovery form of a page: GET to /_sso/login. */
function discoveryForm(response) {
  const index = discoveryFormIndex(response);
  assert.ok(index >= 0, `a <form method="get" action="/_sso/login"> in:\n${response.body.slice(0, 2000)}`);
  return parseForms(response.body)[index];
}

/** The raw cookie value and every base64/base64url reading of it and of its parts. */
function cookieReadings(value) {
  const readings = [decodeURIComponent(value)];
  for (const part of [value, ...value.split(/[.:|~!$*-]/)]) {
    for (const encoding of ['base64url', 'base64']) {
      readings.push(Buffer.from(part, encoding).toString('latin1'));
    }
    if (/^[0-9a-f]+$/i.test(part) && part.length % 2 === 0) readings.push(Buffer.from(part, 'hex').toString('latin1'));
  }
  return readings;
}

function assertCookiesStripped(cookieHeader = '') {
  const names = cookieHeader.split(';').map((c) => c.trim().split('=')[0]).filter(Boolean);
  assert.ok(!names.some((n) => n.toLowerCase().startsWith('sso_')), `sso_* cookies reached the origin: ${cookieHeader}`);
  assert.ok(names.includes('keep') && names.includes('other'), `other cookies are kept: ${cookieHeader}`);
}

/** Upper-cases the hex digits of percent escapes (RFC 3986 makes them equivalent). */
function upperHex(text = '') {
  return text.replace(/%[0-9a-f]{2}/gi, (m) => m.toUpperCase());
}

/** Sends a request with a raw, un-normalised path; answers the status. */
function rawRequest(port, path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { accept: 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}
