// The edges of HTTP (interface §4): every method reaches the origin as sent with its
// body; several Cookie fields are one list (session read from any, sso_* stripped from
// all); request bodies are bounded while they stream; public paths cannot be escaped by
// encodings; pending logins never block a login, and a Cookie header too large to read
// never sends the browser round in circles.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startStack, assertLoggedIn, assertSession } from '../support/stack.mjs';
import { Browser, loginUrl } from '../support/browser.mjs';

let stack;
before(async () => {
  stack = await startStack({ orgs: ['acme'] });
});
after(() => stack?.stop());

let counter = 0;
const freshEmail = () => `e${++counter}-${Date.now()}@acme.test`;

async function signIn() {
  const browser = new Browser();
  const flow = await stack.login(browser, { email: freshEmail() });
  await assertLoggedIn(flow, browser, stack.worker.url);
  return browser;
}

/**
 * A request with exactly this path (no URL normalisation by the client) and raw header
 * lines (`[[name, value], …]`, repeated names kept — Node's own client would join them),
 * over a plain socket; answers `{ status, headers, body }` (`set-cookie` as an array).
 */
function rawRequest(method, path, headerLines = [], body) {
  const { hostname, port } = new URL(stack.worker.url);
  const lines = [`${method} ${path} HTTP/1.1`, `host: ${hostname}:${port}`, 'connection: close'];
  for (const [name, value] of headerLines) lines.push(`${name}: ${value}`);
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  if (body !== undefined && !headerLines.some(([n]) => n.toLowerCase() === 'transfer-encoding')) lines.push(`content-length: ${payload.length}`);
  const chunked = headerLines.some(([n, v]) => n.toLowerCase() === 'transfer-encoding' && v === 'chunked');
  const wire = chunked && payload.length ? Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')])
    : chunked ? Buffer.from('0\r\n\r\n') : payload;
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => resolve(parseResponse(Buffer.concat(chunks))));
    socket.write(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), wire]));
  });
}

function parseResponse(raw) {
  const split = raw.indexOf('\r\n\r\n');
  const [statusLine, ...headerLines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const headers = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (name === 'set-cookie') (headers[name] ??= []).push(value);
    else headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = raw.subarray(split + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const parts = [];
    for (let at = 0; ;) {
      const eol = body.indexOf('\r\n', at);
      const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
      if (!size) break;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
}

describe('methods and bodies', () => {
  // Every method the runtime's HTTP parser accepts (it answers 501 itself for ones it does not know).
  let browser;
  before(async () => {
    browser = await signIn();
  });

  for (const method of ['PROPFIND', 'MKCOL', 'LOCK', 'UNLOCK', 'PROPPATCH', 'QUERY', 'PURGE', 'REPORT', 'PATCH', 'COPY', 'MOVE', 'SEARCH']) {
    test(`${method} reaches the origin as ${method}, with its body`, async () => {
      const path = `/dav/${method.toLowerCase()}-${Date.now()}`;
      const body = `<?xml version="1.0"?><body method="${method}"/>`;
      const res = await browser.request(method, stack.url(path), { body, headers: { 'content-type': 'application/xml' }, accept: 'application/json' });
      assert.equal(res.status, 200, res.body);
      const seen = stack.origin.lastRequest(path);
      assert.ok(seen, 'the origin got it');
      assert.equal(seen.method, method);
      assert.equal(seen.body, body);
      assert.ok(seen.headers['x-sso-subject'], 'as the signed-in user');
    });
  }

  test('an unauthenticated PROPFIND from a browser is 401, not a login redirect (it is no navigation)', async () => {
    const res = await new Browser().request('PROPFIND', stack.url('/dav/x'), { accept: 'text/html' });
    assert.equal(res.status, 401);
  });

  test('a method on a worker route that it does not serve is 405, never read as GET', async () => {
    const res = await rawRequest('PROPFIND', '/_sso/session', [['accept', 'application/json']]);
    assert.equal(res.status, 405);
  });
});

describe('several Cookie headers', () => {
  let browser;
  let session;
  before(async () => {
    browser = await signIn();
    session = browser.cookie('sso_session').value;
  });

  test('the session is read from any of them; sso_* cookies are stripped from all, the rest kept', async () => {
    const path = `/multi-cookie-${Date.now()}`;
    const res = await rawRequest('GET', path, [
      ['accept', 'application/json'],
      ['cookie', 'theme=dark; sso_session=stale-or-forged'],
      ['cookie', `sso_session=${session}`],
      ['cookie', 'lang=pt; sso_login_abc=x; SSO_other=y'],
    ]);
    assert.equal(res.status, 200, res.body);
    const seen = stack.origin.lastRequest(path);
    assert.ok(seen.headers['x-sso-subject'], 'authenticated by the second field');
    const cookie = seen.headers.cookie ?? '';
    assert.match(cookie, /theme=dark/);
    assert.match(cookie, /lang=pt/);
    assert.doesNotMatch(cookie, /sso_/i, `forwarded: ${cookie}`);
  });

  test('a public path gets the same stripping', async () => {
    await rawRequest('GET', '/public/cookies.css', [['cookie', 'a=1'], ['cookie', `sso_session=${session}; b=2`]]);
    const seen = stack.origin.lastRequest('/public/cookies.css');
    assert.match(seen.headers.cookie ?? '', /a=1/);
    assert.match(seen.headers.cookie ?? '', /b=2/);
    assert.doesNotMatch(seen.headers.cookie ?? '', /sso_/);
  });
});

describe('request bodies are bounded while they stream', () => {
  test('a chunked back-channel body past 32 KiB is refused without waiting for its end', async () => {
    const { hostname, port } = new URL(stack.worker.url);
    const answer = await new Promise((resolve, reject) => {
      const req = http.request({
        method: 'POST', hostname, port, path: '/_sso/backchannel-logout',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
      }, (res) => {
        res.resume();
        resolve({ status: res.statusCode });
        req.destroy();
      });
      req.on('error', (e) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error('no answer within 8 s: the worker waited for the end of an over-long body'));
      }, 8_000);
      req.on('close', () => clearTimeout(timer));
      req.write(`logout_token=${'a'.repeat(40 * 1024)}`);
      // The body never ends: only a worker that stops reading at the limit answers.
    });
    assert.equal(answer.status, 400);
  });

  test('a chunked body within the limit is read whole', async () => {
    const res = await rawRequest('POST', '/_sso/backchannel-logout', [['content-type', 'application/x-www-form-urlencoded'], ['transfer-encoding', 'chunked']],
      'logout_token=not-a-jwt');
    assert.equal(res.status, 400);
    assert.match(res.body, /could not be verified|invalid_request/);
  });
});

describe('public paths cannot be escaped by encodings', () => {
  for (const path of [
    '/public/..%2Fadmin',
    '/public/..%2fadmin',
    '/public%2F..%2Fadmin',
    '/public/..%5Cadmin',
    '/public/..\\admin',
    '/public/..;/admin',
    '/public/%252e%252e%252fadmin',
    '/public//..%2Fadmin',
  ]) {
    test(`${path}: protected (401), the origin never sees it`, async () => {
      const before = stack.origin.requests.length;
      const res = await rawRequest('GET', path, [['accept', 'application/json']]);
      assert.ok(res.status === 401 || res.status === 400, `${path}: ${res.status}`);
      assert.equal(stack.origin.requests.length, before, 'nothing was forwarded without a session');
    });
  }

  for (const path of ['/public/app.css', '/public/a%20b.css', '/public/v2;x=1/app.js', '/public/deep/../app.css']) {
    test(`${path}: still public`, async () => {
      const res = await rawRequest('GET', path, [['accept', 'application/json']]);
      assert.equal(res.status, 200, `${path}: ${res.status} ${res.body}`);
    });
  }

  test('a signed-in user reaches an encoded path with a session', async () => {
    const browser = await signIn();
    const cookie = `sso_session=${browser.cookie('sso_session').value}`;
    const res = await rawRequest('GET', '/public/..%2Fadmin', [['accept', 'application/json'], ['cookie', cookie]]);
    assert.equal(res.status, 200);
  });
});

describe('pending logins never block a login', () => {
  test('twelve unfinished logins with long return_tos, then one more completes', async () => {
    const browser = new Browser();
    const email = freshEmail();
    for (let i = 0; i < 12; i++) {
      const returnTo = `/tab-${i}/${'r'.repeat(1900)}`;
      const started = await browser.get(loginUrl(stack.worker.url, { email, returnTo }).href);
      assert.equal(started.status, 302, `login ${i}`);
    }
    const pending = browser.cookies(`${stack.worker.url}/_sso/callback`).filter((c) => c.name.startsWith('sso_login_'));
    assert.ok(pending.length <= 4, `${pending.length} login-state cookies held`);
    const header = browser.cookies(`${stack.worker.url}/_sso/callback`).map((c) => `${c.name}=${c.value}`).join('; ');
    assert.ok(header.length <= 16 * 1024, `the callback's Cookie header is ${header.length} bytes`);
    const flow = await stack.login(browser, { email, returnTo: '/finally' });
    await assertLoggedIn(flow, browser, stack.worker.url, { email });
  });

  test('other cookies too large to leave room: a clear 400 page, no redirect (no loop)', async () => {
    const res = await rawRequest('GET', `/_sso/login?email=${encodeURIComponent(freshEmail())}`, [
      ['accept', 'text/html'],
      ['cookie', `big=${'x'.repeat(17 * 1024)}; sso_login_0123456789abcdef=old`],
    ]);
    assert.equal(res.status, 400);
    assert.equal(res.headers.location, undefined);
    assert.match(res.body, /more cookies/);
    const cleared = (res.headers['set-cookie'] ?? []).filter((c) => c.startsWith('sso_login_0123456789abcdef=;'));
    assert.equal(cleared.length, 1, 'the pending login-state cookie is cleared');
  });

  test('after six unfinished logins in one browser, a full login completes', async () => {
    const browser = new Browser();
    const email = freshEmail();
    for (let i = 0; i < 6; i++) await browser.get(loginUrl(stack.worker.url, { email, returnTo: `/t${i}/${'q'.repeat(1900)}` }).href);
    const flow = await stack.login(browser, { email });
    await assertLoggedIn(flow, browser, stack.worker.url);
    await assertSession(browser, stack.worker.url);
  });
});
