//! The usual end-to-end setup in one call: a test provider per org, a test origin and a
//! worker configured for them; plus the checks every test file repeats (is there a
//! session, does an assertion verify).

import assert from 'node:assert/strict';
import * as jose from 'jose';
import { startWorker } from './worker.mjs';
import { startTestProvider } from './test-provider.mjs';
import { startTestOrigin } from './test-origin.mjs';
import { Browser, loginWithTestProvider, sessionOf } from './browser.mjs';

/**
 * Starts providers, an origin and a worker.
 *
 * - `orgs`: org ids, or `{ id, provider: <startTestProvider options>, org: <overrides of the
 *   org entry> }`; each org gets its own provider and the domain `<id>.test`.
 * - `provisioning`: `true` (the origin's `/provision`, `timeout_ms` 1000) or an object merged over it.
 * - `sso`: more top-level configuration (merged last; `base_url` is filled in).
 * - `worker`: more `startWorker` options (`ssoAs`, `secrets`, `vars`, …), or a function
 *   `(providers, origin) => options` (e.g. to pass a provider's client secret as a secret).
 *
 * Returns `{ worker, origin, providers, provider, url(path), browser(), login(browser, opts), stop() }`
 * (`provider` is the first org's; `login` is `loginWithTestProvider` on this worker).
 */
export async function startStack({ orgs = ['acme'], provisioning = false, sso = {}, worker: workerOptions = {} } = {}) {
  const specs = orgs.map((o) => (typeof o === 'string' ? { id: o } : o));
  const [origin, ...providerList] = await Promise.all([
    startTestOrigin(),
    ...specs.map((spec) => startTestProvider(spec.provider)),
  ]);
  const providers = Object.fromEntries(specs.map((spec, i) => [spec.id, providerList[i]]));
  const config = {
    origin: origin.url,
    public_paths: ['/public/'],
    orgs: specs.map((spec) => providers[spec.id].org({ id: spec.id, domains: [`${spec.id}.test`], ...spec.org })),
    ...(provisioning
      ? { provisioning: { url: origin.provisionUrl, timeout_ms: 1000, ...(provisioning === true ? {} : provisioning) } }
      : {}),
    ...sso,
  };
  let worker;
  try {
    const extra = typeof workerOptions === 'function' ? workerOptions(providers, origin) : workerOptions;
    worker = await startWorker({ sso: config, ...extra });
  } catch (error) {
    await Promise.all([origin.stop(), ...providerList.map((p) => p.stop())]);
    throw error;
  }
  return {
    worker,
    origin,
    providers,
    provider: providerList[0],
    config,
    url: (path = '/') => new URL(path, worker.url).href,
    browser: (options) => new Browser(options),
    login: (browser, options) => loginWithTestProvider(browser, worker.url, options),
    async stop() {
      await Promise.allSettled([worker.stop(), origin.stop(), ...providerList.map((p) => p.stop())]);
    },
  };
}

/** Asserts that `browser` holds no valid session at `workerUrl` (`/_sso/session` answers 401). */
export async function assertNoSession(browser, workerUrl, message = 'expected no session') {
  const { status, body } = await sessionOf(browser, workerUrl);
  assert.equal(status, 401, `${message}: /_sso/session answered ${status} ${JSON.stringify(body)}`);
  assert.deepEqual(body, { authenticated: false }, message);
}

/** Asserts that `browser` holds a valid session; answers the `/_sso/session` body. */
export async function assertSession(browser, workerUrl, expected = {}, message = 'expected a session') {
  const { status, body } = await sessionOf(browser, workerUrl);
  assert.equal(status, 200, `${message}: /_sso/session answered ${status} ${JSON.stringify(body)}`);
  assert.equal(body.authenticated, true, message);
  for (const [key, value] of Object.entries(expected)) assert.equal(body[key], value, `${message}: ${key}`);
  return body;
}

/**
 * Asserts that a login (`loginWithTestProvider`'s answer) completed: the callback
 * redirected and a session exists. Answers the `/_sso/session` body.
 */
export async function assertLoggedIn(flow, browser, workerUrl, expected = {}) {
  assert.ok(flow.callback, `login stopped before the callback: ${describeFlow(flow)}`);
  assert.equal(flow.callback.status, 302, `callback: ${describeFlow(flow)}`);
  return assertSession(browser, workerUrl, expected, 'after a successful login');
}

/**
 * Asserts that a login was refused at the callback with `status`, as an HTML page for the
 * browser, and that no session was created.
 */
export async function assertLoginRefused(flow, browser, workerUrl, status) {
  assert.ok(flow.callback, `login stopped before the callback: ${describeFlow(flow)}`);
  assert.equal(flow.callback.status, status, `callback: ${describeFlow(flow)}`);
  assert.equal(flow.callback.setCookies.some((c) => c.name === 'sso_session' && c.value && c.maxAge !== 0), false,
    'a refused login must not set a session cookie');
  await assertNoSession(browser, workerUrl, `no session after a login refused with ${status}`);
}

/** One line describing each step of a login flow, for assertion messages. */
export function describeFlow(flow) {
  return ['protected', 'discovery', 'login', 'authorize', 'callback', 'final']
    .filter((step) => flow[step])
    .map((step) => {
      const r = flow[step];
      return `${step}: ${r.status} ${r.method} ${r.url}${r.location ? ` → ${r.location}` : ''}${
        r.status >= 400 ? ` body: ${r.body.slice(0, 300)}` : ''}`;
    })
    .join('\n');
}

/**
 * Verifies an `X-Sso-Assertion` with the worker's `/_sso/jwks.json` (ES256, `kid` required)
 * and answers `{ payload, protectedHeader }`.
 */
export async function verifyAssertion(token, { workerUrl, audience, issuer = workerUrl }) {
  const response = await fetch(new URL('/_sso/jwks.json', workerUrl));
  assert.equal(response.status, 200, '/_sso/jwks.json');
  const jwks = await response.json();
  const result = await jose.jwtVerify(token, jose.createLocalJWKSet(jwks), {
    algorithms: ['ES256'],
    issuer,
    audience,
  });
  assert.ok(result.protectedHeader.kid, 'the assertion names its key (kid)');
  return result;
}

/**
 * Percent-encodes a header value as interface.md §4 says: the UTF-8 bytes outside visible
 * ASCII (0x21–0x7E), and `%` itself.
 */
export function ssoHeaderEncode(value) {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += byte < 0x21 || byte > 0x7e || byte === 0x25 ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}

/** The `X-Sso-*` request headers (lower-cased, `_` read as `-`) among `headers`. */
export function ssoHeaders(headers) {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase().replace(/_/g, '-').startsWith('x-sso-')),
  );
}
