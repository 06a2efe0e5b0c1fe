// Every way a session ends (protocols.md): Okta Universal Logout, OpenID Connect
// Back-Channel Logout, RP-initiated logout; and that revocation is immediate and stays
// inside its org.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, assertLoggedIn, assertNoSession, assertSession } from '../support/stack.mjs';
import { Browser, parseForms } from '../support/browser.mjs';
import { nowSecs, signJwt } from '../support/jwt.mjs';
import { BACKCHANNEL_LOGOUT_EVENT } from '../support/test-provider.mjs';

let stack;
before(async () => {
  stack = await startStack({ orgs: ['acme', 'globex', { id: 'noend', provider: { endSession: false } }] });
});
after(() => stack?.stop());

const acme = () => stack.providers.acme;
const globex = () => stack.providers.globex;
const revocationUrl = () => `${stack.worker.url}/_sso/global-token-revocation`;
let emailCounter = 0;
const freshEmail = (org = 'acme') => `u${++emailCounter}-${Date.now()}@${org}.test`;

/** A fresh browser signed in as `email`; `sid` fixes the IdP session id of that login. */
async function signIn(email, { sid } = {}) {
  const org = email.split('@')[1].replace(/\.test$/, '');
  const provider = stack.providers[org];
  provider.sid = sid;
  try {
    const browser = new Browser();
    const flow = await stack.login(browser, { email });
    await assertLoggedIn(flow, browser, stack.worker.url, { email });
    return browser;
  } finally {
    provider.sid = undefined;
  }
}

/** Asserts that the very next requests with `browser`'s cookie are unauthenticated. */
async function assertSignedOut(browser, message) {
  const api = await browser.get(stack.url('/after-logout'), { accept: 'application/json' });
  assert.equal(api.status, 401, `${message}: an API request`);
  const page = await browser.get(stack.url('/after-logout'));
  assert.equal(page.status, 302, `${message}: a navigation goes through login`);
  assert.equal(new URL(page.location).pathname, '/_sso/login');
  await assertNoSession(browser, stack.worker.url, message);
}

describe('Okta Universal Logout', () => {
  /** POSTs a revocation with `token` (omitted when null) and `body` (JSON-encoded unless a string). */
  async function revoke(token, body, headers = {}) {
    return fetch(revocationUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }
  const byEmail = (email) => ({ sub_id: { format: 'email', email } });
  const ulo = (claims = {}, options = {}) => acme().universalLogoutToken({ aud: revocationUrl(), ...claims }, options);

  test('204 by email: every session of the user ends at once, other users keep theirs', async () => {
    const email = freshEmail();
    const [one, two] = [await signIn(email), await signIn(email)];
    const bystander = await signIn(freshEmail());
    const response = await revoke(ulo(), byEmail(email));
    assert.equal(response.status, 204);
    await assertSignedOut(one, 'first session');
    await assertSignedOut(two, 'second session');
    await assertSession(bystander, stack.worker.url);
  });

  test('204 by iss_sub', async () => {
    const email = freshEmail();
    const browser = await signIn(email);
    const { sub } = acme().userFor(email);
    const response = await revoke(ulo(), { sub_id: { format: 'iss_sub', iss: acme().issuer, sub } });
    assert.equal(response.status, 204);
    await assertSignedOut(browser, 'revoked by iss_sub');
  });

  test('204 with the legacy "subject" key', async () => {
    const email = freshEmail();
    const browser = await signIn(email);
    const response = await revoke(ulo(), { subject: { format: 'email', email } });
    assert.equal(response.status, 204);
    await assertSignedOut(browser, 'revoked through "subject"');
  });

  test('204 for a known user with no session left', async () => {
    const email = freshEmail();
    await signIn(email);
    assert.equal((await revoke(ulo(), byEmail(email))).status, 204);
    assert.equal((await revoke(ulo(), byEmail(email))).status, 204);
  });

  test('404 for a user who never logged in here', async () => {
    assert.equal((await revoke(ulo(), byEmail('nobody@acme.test'))).status, 404);
  });

  test('404 for another org\'s user, whose session stays', async () => {
    const email = freshEmail('globex');
    const browser = await signIn(email);
    assert.equal((await revoke(ulo(), byEmail(email))).status, 404, 'by email');
    const { sub } = globex().userFor(email);
    assert.equal((await revoke(ulo(), { sub_id: { format: 'iss_sub', iss: globex().issuer, sub } })).status, 404, 'by iss_sub');
    await assertSession(browser, stack.worker.url);
  });

  describe('400: malformed body or unsupported format', () => {
    const bodies = {
      'a body that is not JSON': '{"sub_id": ',
      'no sub_id': {},
      'an opaque subject': { sub_id: { format: 'opaque', id: 'x' } },
      'an email subject without email': { sub_id: { format: 'email' } },
      'an iss_sub subject without sub': { sub_id: { format: 'iss_sub', iss: 'http://127.0.0.1' } },
      'a sub_id that is a string': { sub_id: 'alice@acme.test' },
    };
    for (const [name, body] of Object.entries(bodies)) {
      test(`400 for ${name}`, async () => {
        assert.equal((await revoke(ulo(), body)).status, 400);
      });
    }
  });

  describe('401: the bearer JWT', () => {

    const cases = {
      'is missing': () => null,
      'is not a bearer token': () => 'Basic YTpi',
      'has a bad signature': () => ulo({}, { corruptSignature: true }),
      'is unsigned (alg none)': () => ulo({}, { header: { alg: 'none' } }),
      'is HS256 keyed with the public key': () => ulo({}, { header: { alg: 'HS256' } }),
      'is signed by a key the IdP never published': () => ulo({}, { key: acme().newKey() }),
      'has expired': () => ulo({ iat: nowSecs() - 900, nbf: nowSecs() - 900, exp: nowSecs() - 600 }),
      'is not yet valid (nbf)': () => ulo({ nbf: nowSecs() + 600 }),
      'is for another endpoint (aud)': () => ulo({ aud: `${stack.worker.url}/_sso/other` }),
      'has an aud with a query': () => ulo({ aud: `${revocationUrl()}?x=1` }),
      'is for another host (aud)': () => ulo({ aud: 'https://evil.example.com/_sso/global-token-revocation' }),
      'comes from an unknown issuer': () => ulo({ iss: 'https://evil.example.com' }),
      'claims another org\'s issuer': () => ulo({ iss: globex().issuer }),
      'has no jti': () => ulo({ jti: undefined }),
    };
    for (const [name, token] of Object.entries(cases)) {
      test(`401 when the JWT ${name}, and the session stays`, async () => {
        const email = freshEmail();
        const victim = await signIn(email);
        const value = token();
        const response = value?.startsWith('Basic ')
          ? await revoke(null, byEmail(email), { authorization: value })
          : await revoke(value, byEmail(email));
        assert.equal(response.status, 401);
        await assertSession(victim, stack.worker.url, {}, 'after the refused revocation');
      });
    }

    test('401 when the JWT is replayed (same jti)', async () => {
      const [first, second] = [freshEmail(), freshEmail()];
      await signIn(first);
      const victim = await signIn(second);
      const token = ulo();
      assert.equal((await revoke(token, byEmail(first))).status, 204);
      assert.equal((await revoke(token, byEmail(first))).status, 401);
      assert.equal((await revoke(token, byEmail(second))).status, 401, 'also for another user');
      await assertSession(victim, stack.worker.url, {}, 'the other user keeps the session');
    });
  });

  test('after a revocation the next navigation goes through a full login', async () => {
    const email = freshEmail();
    const browser = await signIn(email);
    assert.equal((await revoke(ulo(), byEmail(email))).status, 204);
    const authorizations = acme().count('authorize');
    const flow = await stack.login(browser, { start: '/again', email });
    assert.equal(flow.protected?.status, 302, 'the page sends the browser to /_sso/login');
    assert.equal(acme().count('authorize'), authorizations + 1, 'the browser went back to the IdP');
    await assertLoggedIn(flow, browser, stack.worker.url, { email });
  });
});

describe('OpenID Connect Back-Channel Logout', () => {
  async function backchannel(token, extra = {}, { contentType } = {}) {
    const body = token === null ? new URLSearchParams(extra) : new URLSearchParams({ logout_token: token, ...extra });
    return fetch(`${stack.worker.url}/_sso/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': contentType ?? 'application/x-www-form-urlencoded' },
      body: contentType === 'application/json' ? JSON.stringify({ logout_token: token }) : body,
    });
  }
  async function assertOk(response) {
    assert.equal(response.status, 200, await response.clone().text());
    assert.match(response.headers.get('cache-control') ?? '', /no-store/);
  }
  async function assertInvalid(response) {
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    const body = await response.json();
    assert.equal(body.error, 'invalid_request');
    assert.equal(typeof body.error_description, 'string');
  }

  test('oidcc-client-test-rp-backchannel-rpinitlogout: with sid, only that IdP session\'s sessions end', async () => {
    const email = freshEmail();
    const a = await signIn(email, { sid: `sid-a-${email}` });
    const b = await signIn(email, { sid: `sid-b-${email}` });
    const { sub } = acme().userFor(email);
    await assertOk(await backchannel(acme().logoutToken({ sub, sid: `sid-a-${email}` })));
    await assertSignedOut(a, 'the session of that sid');
    await assertSession(b, stack.worker.url, {}, 'the session of another sid');
  });

  test('with only sid, the sessions holding it end', async () => {
    const email = freshEmail();
    const a = await signIn(email, { sid: `sid-only-${email}` });
    await assertOk(await backchannel(acme().logoutToken({ sid: `sid-only-${email}` })));
    await assertSignedOut(a, 'by sid alone');
  });

  test('with only sub, every session of that subject in the org ends', async () => {
    const email = freshEmail();
    const a = await signIn(email);
    const b = await signIn(email);
    const bystander = await signIn(freshEmail());
    const { sub } = acme().userFor(email);
    await assertOk(await backchannel(acme().logoutToken({ sub })));
    await assertSignedOut(a, 'first session');
    await assertSignedOut(b, 'second session');
    await assertSession(bystander, stack.worker.url, {}, 'another user');
  });

  test('a sub logout of one org leaves the same sub in another org alone', async () => {
    const shared = { sub: `shared-${Date.now()}`, email_verified: true, name: 'Pat Shared', given_name: 'Pat', family_name: 'Shared' };
    acme().user = { ...shared, email: 'pat@acme.test' };
    globex().user = { ...shared, email: 'pat@globex.test' };
    try {
      const atAcme = await signIn('pat@acme.test');
      const atGlobex = await signIn('pat@globex.test');
      await assertOk(await backchannel(globex().logoutToken({ sub: shared.sub })));
      await assertSignedOut(atGlobex, 'the globex session');
      await assertSession(atAcme, stack.worker.url, {}, 'the acme session of the same sub');
    } finally {
      acme().user = undefined;
      globex().user = undefined;
    }
  });

  test('a token without exp is accepted while its iat is at most 10 minutes old, and only once', async () => {
    const email = freshEmail();
    const a = await signIn(email);
    const { sub } = acme().userFor(email);
    const token = acme().logoutToken({ sub, exp: undefined, iat: nowSecs() - 9 * 60 });
    await assertOk(await backchannel(token));
    await assertSignedOut(a, 'exp-less token');
    await assertInvalid(await backchannel(token));
  });

  test('200 also when no session matched', async () => {
    await assertOk(await backchannel(acme().logoutToken({ sub: 'nobody-here' })));
  });

  test('a token without typ is accepted, other parameters are ignored', async () => {
    const email = freshEmail();
    const a = await signIn(email);
    const { sub } = acme().userFor(email);
    await assertOk(await backchannel(acme().logoutToken({ sub }, { header: { typ: undefined } }), { state: 'x', foo: 'bar' }));
    await assertSignedOut(a, 'typ-less token');
  });

  describe('400 invalid_request, and the session stays', () => {
    /** A fresh signed-in victim: `{ browser, sub, sid, token(claims, options) }` aimed at it. */
    async function victim() {
      const email = freshEmail();
      const sid = `victim-sid-${email}`;
      const browser = await signIn(email, { sid });
      const { sub } = acme().userFor(email);
      return { browser, sub, sid, token: (claims = {}, options = {}) => acme().logoutToken({ sub, sid, ...claims }, options) };
    }

    const cases = {
      'oidcc-client-test-rp-backchannel-rpinitlogout-alg-none: unsigned token': ({ token }) => token({}, { header: { alg: 'none' } }),
      'oidcc-client-test-rp-backchannel-rpinitlogout-no-event: no events claim': ({ token }) => token({ events: undefined }),
      'oidcc-client-test-rp-backchannel-rpinitlogout-wrong-event: another event': ({ token }) =>
        token({ events: { 'http://schemas.openid.net/event/some-other-event': {} } }),
      'the logout event member is not an object': ({ token }) => token({ events: { [BACKCHANNEL_LOGOUT_EVENT]: 'yes' } }),
      'oidcc-client-test-rp-backchannel-rpinitlogout-with-nonce: a nonce is present': ({ token }) => token({ nonce: 'n-1' }),
      'oidcc-client-test-rp-backchannel-rpinitlogout-wrong-alg: HS256 keyed with the public key': ({ token }) => token({}, { header: { alg: 'HS256' } }),
      'oidcc-client-test-rp-backchannel-rpinitlogout-wrong-aud: aud is another client': ({ token }) => token({ aud: 'another-client' }),
      'oidcc-client-test-rp-backchannel-rpinitlogout-wrong-iss: iss is not a configured issuer': ({ token }) => token({ iss: 'https://evil.example.com' }),
      'a bad signature': ({ token }) => token({}, { corruptSignature: true }),
      'signed by another org\'s IdP key': ({ sub, sid }) => signJwt(
        { iss: acme().issuer, aud: acme().clientId, iat: nowSecs(), exp: nowSecs() + 120, jti: `j-${Date.now()}`, sub, sid, events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } },
        { key: globex().keys.rsa, header: { typ: 'logout+jwt' } },
      ),
      'no jti': ({ token }) => token({ jti: undefined }),
      'no iat': ({ token }) => token({ iat: undefined }),
      'an expired token': ({ token }) => token({ iat: nowSecs() - 900, exp: nowSecs() - 600 }),
      'neither sub nor sid': ({ token }) => token({ sub: undefined, sid: undefined }),
      'no exp and an iat older than 10 minutes': ({ token }) => token({ exp: undefined, iat: nowSecs() - 11 * 60 - 60 }),
    };
    for (const [name, make] of Object.entries(cases)) {
      test(`400 for ${name}`, async () => {
        const target = await victim();
        await assertInvalid(await backchannel(make(target)));
        await assertSession(target.browser, stack.worker.url, {}, `after ${name}`);
      });
    }

    test('400 without logout_token', async () => {
      await assertInvalid(await backchannel(null, { foo: 'bar' }));
    });

    test('400 for a JSON body', async () => {
      const target = await victim();
      await assertInvalid(await backchannel(target.token(), {}, { contentType: 'application/json' }));
      await assertSession(target.browser, stack.worker.url);
    });

    test('400 for a replayed jti', async () => {
      const other = freshEmail();
      const otherBrowser = await signIn(other);
      const replayed = acme().logoutToken({ sub: acme().userFor(other).sub });
      await assertOk(await backchannel(replayed));
      await assertSignedOut(otherBrowser, 'first use of the token');
      await assertInvalid(await backchannel(replayed));
    });
  });
});

describe('RP-initiated logout', () => {
  const logoutUrl = () => `${stack.worker.url}/_sso/logout`;

  test('GET /_sso/logout shows a sign-out button and changes nothing', async () => {
    const browser = await signIn(freshEmail());
    const page = await browser.get(logoutUrl());
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const form = parseForms(page.body).find((f) => f.method === 'post');
    assert.ok(form, 'a POST form');
    assert.equal(new URL(form.action || page.url, page.url).href, logoutUrl());
    await assertSession(browser, stack.worker.url);
  });

  for (const [name, headers] of [
    ['neither Origin nor Sec-Fetch-Site', {}],
    ['a foreign Origin', { origin: 'http://evil.example.com' }],
    ['Origin: null', { origin: 'null' }],
    ['the worker\'s host on another port', { origin: 'http://127.0.0.1:1' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
  ]) {
    test(`POST /_sso/logout with ${name}: 403, the session stays`, async () => {
      const browser = await signIn(freshEmail());
      const response = await browser.post(logoutUrl(), {}, { headers });
      assert.equal(response.status, 403);
      await assertSession(browser, stack.worker.url);
    });
  }

  test('oidcc-client-test-rp-init-logout: same-origin POST ends the session and goes to end_session_endpoint', async () => {
    const email = freshEmail();
    const browser = await signIn(email);
    const idToken = acme().last('token').idToken;
    const stolen = browser.clone();
    const response = await browser.post(logoutUrl(), {}, { origin: new URL(stack.worker.url).origin });
    assert.equal(response.status, 303);
    const target = new URL(response.location);
    assert.equal(`${target.origin}${target.pathname}`, `${acme().issuer}/logout`);
    assert.equal(target.searchParams.get('id_token_hint'), idToken);
    assert.equal(target.searchParams.get('post_logout_redirect_uri'), `${stack.worker.url}/_sso/logged-out`);
    const state = target.searchParams.get('state');
    assert.ok(state, 'a state');
    assert.equal(browser.cookie('sso_session'), undefined, 'the cookie is cleared');
    await assertSignedOut(stolen, 'the old cookie');

    // The IdP sends the browser back with the same state.
    const back = await browser.get(response.location, { follow: true });
    assert.equal(back.status, 200);
    assert.equal(new URL(back.url).pathname, '/_sso/logged-out');
    assert.equal(new URL(back.url).searchParams.get('state'), state);
    assert.match(back.headers.get('content-type') ?? '', /text\/html/);
    assert.match(back.body, /href="[^"]*\/_sso\/login/, 'a sign-in link');
  });

  test('Origin: null with Sec-Fetch-Site: same-origin (a no-referrer page in Chromium) is same-origin: 303', async () => {
    const browser = await signIn(freshEmail());
    const response = await browser.post(logoutUrl(), {}, { headers: { origin: 'null', 'sec-fetch-site': 'same-origin' } });
    assert.equal(response.status, 303);
    await assertNoSession(browser, stack.worker.url);
  });

  for (const [name, headers] of [
    ['Origin: null with Sec-Fetch-Site: cross-site', { origin: 'null', 'sec-fetch-site': 'cross-site' }],
    ['Origin: null with Sec-Fetch-Site: same-site', { origin: 'null', 'sec-fetch-site': 'same-site' }],
    ['a foreign Origin with Sec-Fetch-Site: same-origin', { origin: 'http://evil.example.com', 'sec-fetch-site': 'same-origin' }],
  ]) {
    test(`POST /_sso/logout with ${name}: 403, the session stays`, async () => {
      const browser = await signIn(freshEmail());
      const response = await browser.post(logoutUrl(), {}, { headers });
      assert.equal(response.status, 403);
      await assertSession(browser, stack.worker.url);
    });
  }

  test('the sign-out page lets browsers send its Origin with the form (Referrer-Policy: same-origin)', async () => {
    const browser = await signIn(freshEmail());
    const page = await browser.get(logoutUrl());
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('referrer-policy'), 'same-origin');
  });

  test('Sec-Fetch-Site: same-origin alone is enough', async () => {
    const browser = await signIn(freshEmail());
    const response = await browser.post(logoutUrl(), {}, { headers: { 'sec-fetch-site': 'same-origin' } });
    assert.equal(response.status, 303);
    await assertNoSession(browser, stack.worker.url);
  });

  test('oidcc-client-test-rp-init-logout-other-state: a return with another state is refused with 400', async () => {
    const browser = await signIn(freshEmail());
    const response = await browser.post(logoutUrl(), {}, { origin: new URL(stack.worker.url).origin });
    assert.equal(response.status, 303);
    const back = await browser.get(`${stack.worker.url}/_sso/logged-out?state=not-the-state-we-sent`);
    assert.equal(back.status, 400);
    await assertNoSession(browser, stack.worker.url);
  });

  test('oidcc-client-test-rp-init-logout-no-state: a return without the state that was sent is refused with 400', async () => {
    const browser = await signIn(freshEmail());
    const response = await browser.post(logoutUrl(), {}, { origin: new URL(stack.worker.url).origin });
    assert.equal(response.status, 303);
    const back = await browser.get(`${stack.worker.url}/_sso/logged-out`);
    assert.equal(back.status, 400);
    await assertNoSession(browser, stack.worker.url);
  });

  test('a return with a state when no sign-out is under way (cookie gone, bookmark) shows the signed-out page, 200', async () => {
    const browser = await signIn(freshEmail());
    const response = await browser.post(logoutUrl(), {}, { origin: new URL(stack.worker.url).origin });
    assert.equal(response.status, 303);
    const state = new URL(response.location).searchParams.get('state');
    browser.deleteCookie('sso_logout');
    const back = await browser.get(`${stack.worker.url}/_sso/logged-out?state=${state}`);
    assert.equal(back.status, 200);
    assert.match(back.body, /You are signed out/);
    const bookmark = await new Browser().get(`${stack.worker.url}/_sso/logged-out?state=some-old-state`);
    assert.equal(bookmark.status, 200);
    assert.match(bookmark.body, /href="[^"]*\/_sso\/login/, 'a sign-in link');
  });

  test('a plain visit to /_sso/logged-out (no sign-out under way) shows the signed-out page', async () => {
    const back = await new Browser().get(`${stack.worker.url}/_sso/logged-out`);
    assert.equal(back.status, 200);
    assert.match(back.headers.get('content-type') ?? '', /text\/html/);
    assert.match(back.body, /href="[^"]*\/_sso\/login/, 'a sign-in link');
  });

  test('an IdP without end_session_endpoint: 303 straight to /_sso/logged-out', async () => {
    const browser = await signIn(freshEmail('noend'));
    const response = await browser.post(logoutUrl(), {}, { origin: new URL(stack.worker.url).origin });
    assert.equal(response.status, 303);
    const target = new URL(response.location);
    assert.equal(`${target.origin}${target.pathname}`, `${stack.worker.url}/_sso/logged-out`);
    await assertNoSession(browser, stack.worker.url);
    const page = await browser.get(response.location);
    assert.equal(page.status, 200, 'the signed-out page');
  });

  test('a same-origin POST without a session still ends on /_sso/logged-out', async () => {
    const response = await new Browser().post(logoutUrl(), {}, { origin: new URL(stack.worker.url).origin });
    assert.equal(response.status, 303);
    assert.equal(new URL(response.location).pathname, '/_sso/logged-out');
  });
});
