// The size limits edge-sso enforces (README "Security"), each probed just below — or
// exactly at — the limit (accepted and processed) and just above it (a clear 4xx, or
// treated as absent; never a 5xx or a crash):
//   Cookie header 16 KiB · session cookie · back-channel form 32 KiB · Universal Logout
//   body 8 KiB · JWTs 16 KiB (logout token, ID token) · claims 1 KiB · JWKS 64 KiB and
//   100 keys · discovery 64 KiB · SSO 256 KiB · return_to 2 KiB · email at /_sso/login
//   (254) · admin body 64 KiB · very long URLs and queries.
// Each JWKS/discovery/ID-token case has its own org and provider, so caches never mix.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startStack, assertLoggedIn, assertNoSession, assertSession, describeFlow } from '../support/stack.mjs';
import { Browser, sessionOf, parseForms } from '../support/browser.mjs';
import { startWorker, randomSecret } from '../support/worker.mjs';
import { startTestProvider } from '../support/test-provider.mjs';
import { signJwt } from '../support/jwt.mjs';
import { fetchText, sleep } from '../support/net.mjs';

const KiB = 1024;
const LIMITS = {
  cookieHeader: 16 * KiB,
  sessionCookie: 128,
  backchannelForm: 32 * KiB,
  universalLogoutBody: 8 * KiB,
  token: 16 * KiB,
  claim: 1 * KiB,
  jwks: 64 * KiB,
  jwksKeys: 100,
  discovery: 64 * KiB,
  config: 256 * KiB,
  returnTo: 2 * KiB,
  email: 254,
  adminBody: 64 * KiB,
};

const ORGS = [
  'acme', 'jwks-100-keys', 'jwks-101-keys', 'jwks-at-64k', 'jwks-over-64k', 'jwks-huge-chunked',
  'disc-at-64k', 'disc-over-64k', 'idt-at-16k', 'idt-over-16k', 'claim-at-1k', 'claim-over-1k',
];
const ADMIN_TOKEN = randomSecret();

let stack;
before(async () => {
  stack = await startStack({ orgs: ORGS, worker: { secrets: { SSO_ADMIN_TOKEN: ADMIN_TOKEN } } });
});
after(() => stack?.stop());

const provider = (org) => stack.providers[org];
let counter = 0;
const freshEmail = (org = 'acme') => `user${++counter}-${Date.now()}@${org}.test`;

/** A fresh browser signed in as `email`. */
async function signIn(email = freshEmail()) {
  const browser = new Browser();
  const flow = await stack.login(browser, { email });
  await assertLoggedIn(flow, browser, stack.worker.url, { email });
  return browser;
}

const sessionCookie = (browser) => browser.cookie('sso_session').value;

/** GET /_sso/session with exactly `cookie` as the Cookie header. */
async function sessionWithCookieHeader(cookie, { path = '/_sso/session', accept = 'application/json' } = {}) {
  const { response, body } = await fetchText(stack.url(path), { headers: { cookie, accept }, redirect: 'manual' });
  return { status: response.status, body };
}

/** A GET through node:http with a 4 MiB response-header limit: `{ status, location }`. */
function rawGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, maxHeaderSize: 4 * 1024 * 1024 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, location: res.headers.location }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url.slice(0, 80)}…`)));
  });
}

/** Asserts a 4xx (never a 5xx), with a message. */
function assertClientError(status, message) {
  assert.ok(status >= 400 && status < 500, `${message}: expected a 4xx, got ${status}`);
}

/**
 * A JWT of exactly `length` characters: `sign(headerPad, payloadPad)` must make a token
 * whose header grows with `headerPad` and payload with `payloadPad` (strings of 'x').
 */
function exactToken(length, sign) {
  for (let h = 0; h < 6; h += 1) {
    const base = sign('x'.repeat(h), '').length;
    const guess = Math.max(0, Math.floor(((length - base) * 3) / 4) - 4);
    for (let p = guess; p < guess + 12; p += 1) {
      const token = sign('x'.repeat(h), 'x'.repeat(p));
      if (token.length === length) return token;
      if (token.length > length) break;
    }
  }
  throw new Error(`no token of exactly ${length} characters`);
}

/** A back-channel logout token of `org` for `email` of exactly `length` characters. */
function logoutTokenOfLength(org, email, length) {
  const p = provider(org);
  const sub = p.userFor(email).sub;
  return exactToken(length, (hp, pp) => p.logoutToken({ sub, pad: pp }, { header: { x: hp } }));
}

/** POSTs a raw back-channel logout body. */
function postBackchannel(body, headers = {}) {
  return fetch(stack.url('/_sso/backchannel-logout'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  });
}

/** `logout_token=<token>` preceded by a `pad` parameter so the body is exactly `length` bytes. */
function formOfLength(token, length) {
  const tail = `&logout_token=${token}`;
  const pad = length - tail.length - 'pad='.length;
  assert.ok(pad >= 0);
  const body = `pad=${'p'.repeat(pad)}${tail}`;
  assert.equal(Buffer.byteLength(body), length);
  return body;
}

/** A stream that sends `bytes` bytes in 1 KiB chunks (no Content-Length: chunked). */
function streamOf(text) {
  const bytes = Buffer.from(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + KiB));
      offset += KiB;
    },
  });
}

describe('Cookie header (16 KiB)', () => {
  let browser;
  let cookie;
  before(async () => {
    browser = await signIn();
    cookie = sessionCookie(browser);
  });

  /** A Cookie header of exactly `length` bytes holding the session cookie and padding. */
  function cookieHeader(length) {
    const head = `sso_session=${cookie}; pad=`;
    return head + 'p'.repeat(length - head.length);
  }

  test('exactly 16384 bytes: the session is read', async () => {
    const header = cookieHeader(LIMITS.cookieHeader);
    assert.equal(header.length, LIMITS.cookieHeader);
    const { status, body } = await sessionWithCookieHeader(header);
    assert.equal(status, 200, body);
    assert.equal(JSON.parse(body).authenticated, true);
  });

  test('many small cookies under the limit, the session cookie last: the session is read', async () => {
    const others = Array.from({ length: 400 }, (_, i) => `c${i}=${'v'.repeat(20)}`).join('; ');
    const header = `${others}; sso_session=${cookie}`;
    assert.ok(header.length < LIMITS.cookieHeader);
    const { status } = await sessionWithCookieHeader(header);
    assert.equal(status, 200);
  });

  test('16385 bytes: the cookies are treated as absent (401 / login redirect), never 5xx', async () => {
    const header = cookieHeader(LIMITS.cookieHeader + 1);
    const session = await sessionWithCookieHeader(header);
    assert.equal(session.status, 401, session.body);
    assert.deepEqual(JSON.parse(session.body), { authenticated: false });
    const api = await sessionWithCookieHeader(header, { path: '/api/data' });
    assert.equal(api.status, 401, api.body);
    const page = await sessionWithCookieHeader(header, { path: '/dashboard', accept: 'text/html' });
    assert.equal(page.status, 302, 'a navigation goes to login');
    assert.equal(stack.origin.requests.some((r) => r.path === '/api/data' || r.path === '/dashboard'), false,
      'nothing reaches the origin');
  });

  test('64 KiB: treated as absent; a Cookie header larger than the runtime takes: a 4xx', async () => {
    const big = await sessionWithCookieHeader(cookieHeader(64 * KiB));
    assert.equal(big.status, 401);
    const huge = await sessionWithCookieHeader(cookieHeader(200 * KiB));
    assertClientError(huge.status, 'a 200 KiB Cookie header');
    await assertSession(browser, stack.worker.url, {}, 'the session is untouched');
  });
});

describe('session cookie length', () => {
  let browser;
  let cookie;
  before(async () => {
    browser = await signIn();
    cookie = sessionCookie(browser);
  });

  test('the real cookie is accepted; one character more, 128, 129 and 4096 characters are treated as absent', async () => {
    assert.equal((await sessionWithCookieHeader(`sso_session=${cookie}`)).status, 200);
    assert.ok(cookie.length < LIMITS.sessionCookie, `the cookie is ${cookie.length} characters`);
    const variants = {
      'one character more': `${cookie}A`,
      'padded to 128': cookie + 'A'.repeat(LIMITS.sessionCookie - cookie.length),
      'padded to 129': cookie + 'A'.repeat(LIMITS.sessionCookie + 1 - cookie.length),
      'the cookie twice': cookie + cookie,
      '4096 characters': cookie + 'A'.repeat(4096 - cookie.length),
      'with base64 padding': `${cookie}==`,
    };
    for (const [name, value] of Object.entries(variants)) {
      const session = await sessionWithCookieHeader(`sso_session=${value}`);
      assert.equal(session.status, 401, `${name}: ${session.status} ${session.body}`);
      const api = await sessionWithCookieHeader(`sso_session=${value}`, { path: '/api' });
      assert.equal(api.status, 401, `${name} on a protected path`);
    }
    await assertSession(browser, stack.worker.url, {}, 'the real session is untouched');
  });
});

describe('back-channel logout form (32 KiB)', () => {
  test('32769 bytes: 400 and nothing revoked; the same token in exactly 32768 bytes: 200, revoked', async () => {
    const email = freshEmail();
    const browser = await signIn(email);
    const token = provider('acme').logoutToken({ sub: provider('acme').userFor(email).sub });

    const over = await postBackchannel(formOfLength(token, LIMITS.backchannelForm + 1));
    assert.equal(over.status, 400, 'one byte over the limit');
    assert.equal((await over.json()).error, 'invalid_request');
    await assertSession(browser, stack.worker.url, {}, 'an oversized form revokes nothing');

    const at = await postBackchannel(formOfLength(token, LIMITS.backchannelForm));
    assert.equal(at.status, 200, `exactly at the limit: ${await at.text()}`);
    await assertNoSession(browser, stack.worker.url, 'revoked by a form of exactly 32 KiB');
  });

  test('an oversized body without Content-Length (chunked) and a 1 MiB body: 400, nothing revoked', async () => {
    const email = freshEmail();
    const browser = await signIn(email);
    const token = provider('acme').logoutToken({ sub: provider('acme').userFor(email).sub });
    const chunked = await postBackchannel(streamOf(formOfLength(token, 40 * KiB)));
    assert.equal(chunked.status, 400, 'chunked, 40 KiB');
    const huge = await postBackchannel(formOfLength(token, 1024 * KiB));
    assert.equal(huge.status, 400, '1 MiB');
    await assertSession(browser, stack.worker.url, {}, 'nothing revoked');
  });
});

describe('logout token size (16 KiB)', () => {
  test('a logout token of exactly 16384 characters is processed; 16385: 400 and nothing revoked', async () => {
    const email = freshEmail();
    const browser = await signIn(email);
    const over = logoutTokenOfLength('acme', email, LIMITS.token + 1);
    const at = logoutTokenOfLength('acme', email, LIMITS.token);
    assert.equal(over.length, LIMITS.token + 1);
    assert.equal(at.length, LIMITS.token);

    const refused = await postBackchannel(new URLSearchParams({ logout_token: over }));
    assert.equal(refused.status, 400, 'a 16385-character token');
    await assertSession(browser, stack.worker.url, {}, 'an oversized token revokes nothing');

    const accepted = await postBackchannel(new URLSearchParams({ logout_token: at }));
    assert.equal(accepted.status, 200, `a 16384-character token: ${await accepted.text()}`);
    await assertNoSession(browser, stack.worker.url, 'revoked by a token of exactly 16 KiB');
  });
});

describe('Universal Logout body (8 KiB)', () => {
  const endpoint = () => stack.url('/_sso/global-token-revocation');
  /** The revocation body for `email`, padded with JSON whitespace to exactly `length` bytes. */
  function bodyOfLength(email, length) {
    const json = JSON.stringify({ sub_id: { format: 'email', email } });
    return json + ' '.repeat(length - json.length);
  }
  const revoke = (token, body) => fetch(endpoint(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  });

  test('8193 bytes: 400 and nothing revoked; exactly 8192 bytes: 204, revoked', async () => {
    const email = freshEmail();
    const browser = await signIn(email);
    const token = provider('acme').universalLogoutToken({ aud: endpoint() });

    const over = await revoke(token, bodyOfLength(email, LIMITS.universalLogoutBody + 1));
    assert.equal(over.status, 400, 'one byte over the limit');
    await assertSession(browser, stack.worker.url, {}, 'an oversized body revokes nothing');

    // The refused request did not spend the token's jti: the same token works now.
    const at = await revoke(token, bodyOfLength(email, LIMITS.universalLogoutBody));
    assert.equal(at.status, 204, `exactly at the limit: ${at.status} ${await at.text()}`);
    await assertNoSession(browser, stack.worker.url, 'revoked by a body of exactly 8 KiB');
  });

  test('an oversized chunked body and a 1 MiB body: 400', async () => {
    const email = freshEmail();
    const browser = await signIn(email);
    const chunked = await revoke(provider('acme').universalLogoutToken({ aud: endpoint() }), streamOf(bodyOfLength(email, 10 * KiB)));
    assert.equal(chunked.status, 400, 'chunked, 10 KiB');
    const huge = await revoke(provider('acme').universalLogoutToken({ aud: endpoint() }), bodyOfLength(email, 1024 * KiB));
    assert.equal(huge.status, 400, '1 MiB');
    await assertSession(browser, stack.worker.url, {}, 'nothing revoked');
  });
});

describe('identity provider documents and tokens', () => {
  /** Runs a login of a new user of `org`. */
  async function login(org) {
    const browser = new Browser();
    const flow = await stack.login(browser, { email: freshEmail(org) });
    return { browser, flow };
  }
  async function expectAccepted(org) {
    const { browser, flow } = await login(org);
    return assertLoggedIn(flow, browser, stack.worker.url, { org });
  }
  async function expectRefused(org, status) {
    const { browser, flow } = await login(org);
    const step = flow.callback ?? flow.login;
    assert.equal(step.status, status, describeFlow(flow));
    await assertNoSession(browser, stack.worker.url);
  }
  /** Makes `org`'s JWKS endpoint answer exactly `text` (with Content-Length unless `chunked`). */
  function serveJwks(org, text, { chunked = false } = {}) {
    provider(org).script('jwks', {
      handler(req, res) {
        const headers = { 'content-type': 'application/json' };
        if (!chunked) headers['content-length'] = Buffer.byteLength(text);
        res.writeHead(200, headers);
        if (!chunked) return res.end(text);
        for (let i = 0; i < text.length; i += 16 * KiB) res.write(text.slice(i, i + 16 * KiB));
        return res.end();
      },
    });
  }
  /** `org`'s real JWKS, padded with JSON whitespace to exactly `length` bytes. */
  function jwksOfLength(org, length) {
    const json = JSON.stringify(provider(org).jwks());
    assert.ok(json.length <= length);
    return json + ' '.repeat(length - json.length);
  }
  /** `count` keys in all: the provider's RSA signing key plus copies of its EC key under other kids. */
  function publishKeys(org, count) {
    const p = provider(org);
    p.published = [p.keys.rsa];
    p.jwksExtra = Array.from({ length: count - 1 }, (_, i) => ({ ...p.keys.ec.publicJwk, kid: `extra-${i}` }));
    assert.equal(p.jwks().keys.length, count);
  }

  test('JWKS of exactly 64 KiB: accepted', async () => {
    serveJwks('jwks-at-64k', jwksOfLength('jwks-at-64k', LIMITS.jwks));
    await expectAccepted('jwks-at-64k');
  });

  test('JWKS one byte over 64 KiB: 502', async () => {
    serveJwks('jwks-over-64k', jwksOfLength('jwks-over-64k', LIMITS.jwks + 1));
    await expectRefused('jwks-over-64k', 502);
  });

  test('JWKS of 1 MiB sent chunked (no Content-Length): 502', async () => {
    serveJwks('jwks-huge-chunked', jwksOfLength('jwks-huge-chunked', 1024 * KiB), { chunked: true });
    await expectRefused('jwks-huge-chunked', 502);
  });

  test('JWKS with exactly 100 keys: accepted', async () => {
    publishKeys('jwks-100-keys', LIMITS.jwksKeys);
    await expectAccepted('jwks-100-keys');
  });

  test('JWKS with 101 keys: 502', async () => {
    publishKeys('jwks-101-keys', LIMITS.jwksKeys + 1);
    await expectRefused('jwks-101-keys', 502);
  });

  /** Pads `org`'s discovery document (an extra member) to exactly `length` bytes of JSON. */
  function padDiscovery(org, length) {
    provider(org).hooks.discovery = (doc) => {
      const base = JSON.stringify({ ...doc, x_padding: '' }).length;
      const padded = { ...doc, x_padding: 'x'.repeat(length - base) };
      assert.equal(JSON.stringify(padded).length, length);
      return padded;
    };
  }

  test('discovery document of exactly 64 KiB: accepted', async () => {
    padDiscovery('disc-at-64k', LIMITS.discovery);
    await expectAccepted('disc-at-64k');
  });

  test('discovery document one byte over 64 KiB: 502 at the login start', async () => {
    padDiscovery('disc-over-64k', LIMITS.discovery + 1);
    await expectRefused('disc-over-64k', 502);
  });

  /** Makes `org`'s ID tokens exactly `length` characters long (an extra claim and header member). */
  function idTokenOfLength(org, length) {
    provider(org).hooks.idToken = (t) => exactToken(length, (hp, pp) =>
      signJwt({ ...t.claims, x_padding: pp }, { key: t.key, header: { x: hp } }));
  }

  test('an ID token of exactly 16384 characters: accepted', async () => {
    idTokenOfLength('idt-at-16k', LIMITS.token);
    await expectAccepted('idt-at-16k');
    assert.equal(provider('idt-at-16k').last('token').idToken.length, LIMITS.token);
  });

  test('an ID token of 16385 characters: 401', async () => {
    idTokenOfLength('idt-over-16k', LIMITS.token + 1);
    await expectRefused('idt-over-16k', 401);
    assert.equal(provider('idt-over-16k').last('token').idToken.length, LIMITS.token + 1);
  });

  test('a name claim of exactly 1024 bytes: accepted and passed on whole', async () => {
    const name = 'N'.repeat(LIMITS.claim);
    provider('claim-at-1k').hooks.idToken = (t) => { t.claims.name = name; };
    const session = await expectAccepted('claim-at-1k');
    assert.equal(session.name, name);
  });

  test('a name claim of 1025 bytes: 401', async () => {
    provider('claim-over-1k').hooks.idToken = (t) => { t.claims.name = 'N'.repeat(LIMITS.claim + 1); };
    await expectRefused('claim-over-1k', 401);
  });
});

describe('SSO configuration (256 KiB)', () => {
  /**
   * A configuration of exactly `length` bytes of JSON for a worker at `url`: the stack's,
   * plus filler orgs (never used) whose `default_projects` make up the size.
   */
  function configOfLength(length, url, form) {
    const filler = (i, projects) => ({
      id: `filler-${i}`, issuer: `http://127.0.0.1:9/filler-${i}`, client_id: `client-${i}`, client_secret: `secret-${i}`,
      domains: [`filler-${i}.test`], default_projects: projects,
    });
    const config = { ...stack.config, base_url: url, orgs: [...stack.config.orgs] };
    const size = () => JSON.stringify(config).length;
    const full = Array.from({ length: 5 }, () => 'p'.repeat(200));
    // Whole fillers while they fit with room to spare, then one filler sized to the byte.
    for (let i = 0; size() + 2 * JSON.stringify(filler(i, full)).length < length; i += 1) {
      config.orgs.push(filler(i, full));
    }
    const last = filler(config.orgs.length, []);
    config.orgs.push(last);
    while (size() < length) {
      const missing = length - size();
      // A new project costs its length + 2 quotes (+ 1 comma after the first).
      const cost = last.default_projects.length ? 3 : 2;
      if (missing >= cost + 1) {
        last.default_projects.push('p'.repeat(Math.min(200, missing - cost)));
      } else {
        // 1 or 2 bytes short: lengthen the last project instead.
        const i = last.default_projects.length - 1;
        if (last.default_projects[i].length + missing <= 200) last.default_projects[i] += 'p'.repeat(missing);
        else { last.default_projects[i] = last.default_projects[i].slice(0, -5); }
      }
    }
    assert.equal(size(), length);
    assert.ok(config.orgs.length <= 500, `${config.orgs.length} orgs`);
    return form === 'string' ? JSON.stringify(config) : config;
  }

  /** Starts a worker whose `SSO` is exactly `length` bytes, as a string or an object. */
  const workerWithConfig = (length, form, healthy) => startWorker({
    sso: (url) => configOfLength(length, url, form),
    ssoAs: form,
    healthy,
  });

  test('exactly 256 KiB (string and object): the worker works', async () => {
    const workers = await Promise.all(['string', 'object'].map((form) => workerWithConfig(LIMITS.config, form, true)));
    try {
      for (const worker of workers) {
        assert.equal((await fetch(`${worker.url}/_sso/healthz`)).status, 200);
        const login = await fetch(`${worker.url}/_sso/login?email=someone%40acme.test`, { redirect: 'manual' });
        assert.equal(login.status, 302, 'a login starts');
        assert.ok(login.headers.get('location').startsWith(provider('acme').issuer), 'to the configured IdP');
        const publicPath = await fetch(`${worker.url}/public/x`);
        assert.equal(publicPath.status, 200, 'public paths are served');
        const filler = await fetch(`${worker.url}/_sso/login?email=someone%40filler-3.test`, { redirect: 'manual' });
        assert.equal(filler.status, 503, 'the filler orgs are configured (their issuer is unreachable)');
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  test('one byte over (string and object): 500 with a generic message; the log says "SSO: larger than"', async () => {
    const workers = await Promise.all(['string', 'object'].map((form) => workerWithConfig(LIMITS.config + 1, form, false)));
    try {
      for (const worker of workers) {
        for (const [path, accept] of [['/_sso/healthz', 'application/json'], ['/dashboard', 'text/html'], ['/_sso/login', 'text/html']]) {
          const { response, body } = await fetchText(`${worker.url}${path}`, { headers: { accept }, redirect: 'manual' });
          assert.equal(response.status, 500, `${path}: ${response.status}`);
          assert.doesNotMatch(body, /larger than|262144|filler/, `${path}: the answer is generic`);
        }
        const match = await worker.waitForLog(/SSO: larger than (\d+) bytes/);
        assert.equal(Number(match[1]), LIMITS.config);
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });
});

describe('return_to (2 KiB)', () => {
  async function loginReturningTo(returnTo) {
    const browser = new Browser();
    const flow = await stack.login(browser, { email: freshEmail(), returnTo });
    await assertLoggedIn(flow, browser, stack.worker.url);
    const location = new URL(flow.callback.location, stack.worker.url);
    return `${location.pathname}${location.search}`;
  }

  test('exactly 2048 bytes: kept through the login', async () => {
    const returnTo = `/deep/${'r'.repeat(LIMITS.returnTo - '/deep/?q=1'.length)}?q=1`;
    assert.equal(returnTo.length, LIMITS.returnTo);
    assert.equal(await loginReturningTo(returnTo), returnTo);
  });

  test('2049 bytes: replaced by /', async () => {
    const returnTo = `/deep/${'r'.repeat(LIMITS.returnTo + 1 - '/deep/'.length)}`;
    assert.equal(returnTo.length, LIMITS.returnTo + 1);
    assert.equal(await loginReturningTo(returnTo), '/');
  });

  test('16 KiB: replaced by /, never 5xx', async () => {
    assert.equal(await loginReturningTo(`/${'r'.repeat(16 * KiB)}`), '/');
  });
});

describe('email at /_sso/login (254)', () => {
  const emailOfLength = (length) => `${'e'.repeat(length - '@acme.test'.length)}@acme.test`;

  test('exactly 254 characters: routed by its domain and sent as login_hint', async () => {
    const email = emailOfLength(LIMITS.email);
    const response = await new Browser().get(stack.url(`/_sso/login?email=${encodeURIComponent(email)}`));
    assert.equal(response.status, 302);
    const location = new URL(response.location);
    assert.ok(location.href.startsWith(provider('acme').issuer), 'to acme\'s IdP');
    assert.equal(location.searchParams.get('login_hint'), email);
  });

  test('255 characters and 8 KiB: treated as absent (the discovery form), never 5xx', async () => {
    for (const email of [emailOfLength(LIMITS.email + 1), emailOfLength(8 * KiB)]) {
      const response = await new Browser().get(stack.url(`/_sso/login?email=${encodeURIComponent(email)}`));
      assert.equal(response.status, 200, `${email.length} characters`);
      assert.ok(parseForms(response.body).some((f) => f.fields.some((x) => x.name === 'email')), 'the discovery form');
      assert.equal(response.body.includes(email), false, 'the ignored email is not echoed');
    }
  });
});

describe('admin API body (64 KiB)', () => {
  let express;
  before(async () => {
    express = await startTestProvider({ clientId: 'express-client' });
  });
  after(() => express?.stop());

  const put = (body, token = ADMIN_TOKEN) => fetch(stack.url('/_sso/admin/orgs/express'), {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  const listed = async () => {
    const response = await fetch(stack.url('/_sso/admin/orgs'), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(response.status, 200);
    return (await response.json()).orgs.map((o) => o.id ?? o.org);
  };
  /** The org body for `express`, padded with JSON whitespace to exactly `length` bytes. */
  function bodyOfLength(length) {
    const json = JSON.stringify(express.org({ id: 'express', domains: ['express.test'] }));
    return json + ' '.repeat(length - json.length);
  }

  test('65537 bytes: 400, nothing stored; exactly 65536 bytes: 200, stored (and removed again)', async () => {
    const over = await put(bodyOfLength(LIMITS.adminBody + 1));
    assert.equal(over.status, 400, `one byte over: ${await over.text()}`);
    assert.equal((await listed()).includes('express'), false, 'nothing stored');

    const at = await put(bodyOfLength(LIMITS.adminBody));
    const answer = await at.text();
    assert.equal(at.status, 200, `exactly at the limit: ${answer}`);
    assert.equal(JSON.parse(answer).redirect_uri, stack.url('/_sso/callback'));
    assert.equal((await listed()).includes('express'), true, 'stored');

    const removed = await fetch(stack.url('/_sso/admin/orgs/express'), { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(removed.status, 200);
  });

  test('a 1 MiB body: 401 without the token, 400 with it', async () => {
    const huge = bodyOfLength(1024 * KiB);
    assert.equal((await put(huge, 'wrong-token')).status, 401);
    assert.equal((await put(huge)).status, 400);
  });
});

describe('very long URLs and queries', () => {
  test('an 8 KiB protected path: 302 to login, whose too-long return_to then becomes /', async () => {
    const path = `/${'a'.repeat(8 * KiB)}`;
    const browser = new Browser();
    const flow = await stack.login(browser, { start: path, email: freshEmail() });
    assert.equal(flow.protected?.status, 302, describeFlow(flow));
    await assertLoggedIn(flow, browser, stack.worker.url);
    assert.equal(new URL(flow.callback.location, stack.worker.url).pathname, '/');
  });

  test('32 KiB paths and queries without a session: 401 / 302 / 400, never 5xx', async () => {
    const long = 'q'.repeat(32 * KiB);
    const cases = [
      [`/${long}`, 'application/json', 401],
      [`/api?x=${long}`, 'application/json', 401],
      [`/_sso/session?x=${long}`, 'application/json', 401],
      [`/_sso/callback?state=${long}&code=c`, 'text/html', 400],
      [`/_sso/callback?state=s&code=${long}`, 'text/html', 400],
      [`/_sso/callback?code=c&state=s&x=${long}`, 'application/json', 400],
    ];
    for (const [path, accept, status] of cases) {
      const { response } = await fetchText(stack.url(path), { headers: { accept }, redirect: 'manual' });
      assert.equal(response.status, status, `${path.slice(0, 40)}… (${accept})`);
    }
  });

  test('a navigation to a 32–40 KiB URL: 302 to login with a bounded Location (a return_to over 2 KiB is dropped anyway)', async () => {
    // The login route drops a return_to over 2 KiB, so the redirect need not carry one;
    // echoing the whole URL percent-encoded makes the Location up to 3× the request URL
    // (beyond the 16 KiB response-header limit of Node, nginx and many proxies).
    const bound = '/_sso/login?return_to='.length + 3 * LIMITS.returnTo;
    for (const path of [`/${'q'.repeat(32 * KiB)}`, `/${'a/'.repeat(20_000)}`, `/x?${'&'.repeat(40_000)}`]) {
      const { status, location } = await rawGet(stack.url(path), { accept: 'text/html' });
      assert.equal(status, 302, `${path.length}-byte URL`);
      assert.equal(new URL(location, stack.worker.url).pathname, '/_sso/login');
      assert.ok(location.length <= bound, `${path.length}-byte URL: a ${location.length}-byte Location (bound ${bound})`);
    }
  });

  test('a query of 5000 parameters at /_sso/login: answered, never 5xx', async () => {
    const query = Array.from({ length: 5000 }, (_, i) => `p${i}=${i}`).join('&');
    for (const extra of ['', '&email=someone%40acme.test']) {
      const response = await new Browser().get(stack.url(`/_sso/login?${query}${extra}`));
      assert.ok([200, 302].includes(response.status), `status ${response.status}`);
    }
  });

  test('an authenticated request with a 12 KiB path and query reaches the origin intact', async () => {
    const browser = await signIn();
    const path = `/long/${'l'.repeat(6 * KiB)}`;
    const search = `?q=${'w'.repeat(6 * KiB)}&x=%2F`;
    const response = await browser.get(stack.url(path + search), { accept: 'application/json' });
    assert.equal(response.status, 200, response.body.slice(0, 200));
    const seen = stack.origin.lastRequest(path);
    assert.ok(seen, 'the origin saw the request');
    assert.equal(seen.rawQuery, search);
    assert.ok(seen.headers['x-sso-assertion'], 'with the identity');
  });

  test('a URL larger than the runtime takes (200 KiB): a 4xx, and the worker keeps working', async () => {
    const { response } = await fetchText(stack.url(`/${'u'.repeat(200 * KiB)}`), { headers: { accept: 'application/json' } });
    assertClientError(response.status, 'a 200 KiB URL');
    await sleep(50);
    assert.equal((await fetch(stack.url('/_sso/healthz'))).status, 200);
  });
});
