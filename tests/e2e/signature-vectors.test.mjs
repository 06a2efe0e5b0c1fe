// Signatures through WebCrypto in the worker: the shared vectors (tests/vectors/
// signatures.json, also run natively against RustCrypto by src/jose/tests/vector_cases.rs)
// through Universal Logout, where the signature alone decides between 404 (verified,
// unknown user) and 401; then ID tokens of every default algorithm at the callback and
// back-channel logout tokens of both key types; the assertion key imported (and its
// public half checked against its private half) from SSO_SIGNING_KEY.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startStack, assertLoggedIn, assertNoSession } from '../support/stack.mjs';
import { Browser } from '../support/browser.mjs';
import { startWorker } from '../support/worker.mjs';

const vectors = JSON.parse(readFileSync(new URL('../vectors/signatures.json', import.meta.url), 'utf8'));
const ALL_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384'];
const ID_TOKEN_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384'];

let vectorStack;
let loginStack;
before(async () => {
  [vectorStack, loginStack] = await Promise.all([
    startStack({
      orgs: [{
        id: 'vectors',
        org: { client_id: vectors.client_id, signing_algs: ALL_ALGS, universal_logout: { issuer: vectors.issuer } },
      }],
      sso: { base_url: vectors.base_url },
    }),
    startStack({ orgs: ID_TOKEN_ALGS.map((alg) => alg.toLowerCase()) }),
  ]);
  const provider = vectorStack.providers.vectors;
  provider.published = [];
  provider.jwksExtra = vectors.jwks.keys;
});
after(() => Promise.all([vectorStack?.stop(), loginStack?.stop()]));

describe('the shared signature vectors, verified by WebCrypto', () => {
  /** POSTs a Universal Logout of an unknown user with `token` as the bearer JWT. */
  const revoke = (token) =>
    fetch(`${vectorStack.worker.url}/_sso/global-token-revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ sub_id: { format: 'email', email: 'nobody@vectors.test' } }),
    });

  test('the vector file has valid and invalid cases', () => {
    assert.ok(vectors.cases.some((c) => c.expect === 'valid'));
    assert.ok(vectors.cases.some((c) => c.expect === 'invalid'));
  });

  for (const { name, expect, token } of vectors.cases) {
    test(`${name}: ${expect}`, async () => {
      const response = await revoke(token);
      const body = await response.text();
      if (expect === 'valid') {
        assert.equal(response.status, 404, `verified, then no such user: ${body}`);
      } else {
        assert.equal(response.status, 401, `refused as unauthorized: ${body}`);
        assert.doesNotMatch(body, /webcrypto|subtle|cryptokey|panic|stack/i, 'no internals in the answer');
      }
    });
  }
});

describe('ID tokens and logout tokens through WebCrypto', () => {
  for (const alg of ID_TOKEN_ALGS) {
    test(`a ${alg} ID token signs the user in; a tampered one is refused with 401`, async () => {
      const org = alg.toLowerCase();
      const provider = loginStack.providers[org];
      provider.signingKey = provider.newKey({ alg, publish: true });
      const email = `user@${org}.test`;

      const browser = new Browser();
      const flow = await loginStack.login(browser, { org, email });
      await assertLoggedIn(flow, browser, loginStack.worker.url, { org, email });

      provider.hooks.idToken = (t) => { t.corruptSignature = true; };
      try {
        const refused = new Browser();
        const bad = await loginStack.login(refused, { org, email });
        assert.equal(bad.callback?.status, 401, 'bad signature');
        await assertNoSession(refused, loginStack.worker.url);
      } finally {
        provider.hooks.idToken = undefined;
      }
    });
  }

  for (const alg of ['ES384', 'PS256']) {
    test(`a ${alg} back-channel logout token ends the session; a corrupted one is refused`, async () => {
      const org = alg.toLowerCase();
      const provider = loginStack.providers[org];
      const key = provider.newKey({ alg, publish: true });
      const email = `backchannel@${org}.test`;
      const browser = new Browser();
      await assertLoggedIn(await loginStack.login(browser, { org, email }), browser, loginStack.worker.url, { email });
      const { sub } = provider.userFor(email);
      const post = (token) =>
        fetch(`${loginStack.worker.url}/_sso/backchannel-logout`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ logout_token: token }),
        });
      const corrupted = await post(provider.logoutToken({ sub }, { key, corruptSignature: true }));
      assert.equal(corrupted.status, 400, await corrupted.text());
      const ok = await post(provider.logoutToken({ sub }, { key }));
      assert.equal(ok.status, 200, await ok.text());
      await assertNoSession(browser, loginStack.worker.url, 'the session ended');
    });
  }
});

describe('the assertion key through WebCrypto', () => {
  const p256 = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const minimalSso = { orgs: [{ id: 'acme', issuer: 'https://idp.acme.test', client_id: 'c', client_secret: 's', domains: ['acme.test'] }] };

  test('SSO_SIGNING_KEY is imported, published and signs assertions that verify with it', async () => {
    const jwk = p256();
    const worker = await startWorker({ sso: minimalSso, secrets: { SSO_SIGNING_KEY: JSON.stringify(jwk) } });
    try {
      const response = await fetch(`${worker.url}/_sso/jwks.json`);
      assert.equal(response.status, 200);
      const { keys } = await response.json();
      assert.deepEqual(keys.map((k) => [k.x, k.y, k.alg]), [[jwk.x, jwk.y, 'ES256']]);
    } finally {
      await worker.stop();
    }
  });

  test('an SSO_SIGNING_KEY whose public half is another key\'s is refused with a bare 500', async () => {
    const [one, other] = [p256(), p256()];
    const mismatched = { ...one, x: other.x, y: other.y };
    const worker = await startWorker({ sso: minimalSso, secrets: { SSO_SIGNING_KEY: JSON.stringify(mismatched) } });
    try {
      const response = await fetch(`${worker.url}/_sso/jwks.json`);
      const body = await response.text();
      assert.equal(response.status, 500);
      assert.doesNotMatch(body, /SSO_SIGNING_KEY|webcrypto|x and y|"d"/i, 'no internals in the answer');
      // workerd's import already refuses the pair; the test signature would catch a runtime that does not.
      await worker.waitForLog(/SSO_SIGNING_KEY: (WebCrypto refused the key|x and y do not match d)/);
      assert.doesNotMatch(worker.logs(), new RegExp(one.d), 'the private key is never logged');
    } finally {
      await worker.stop();
    }
  });
});
