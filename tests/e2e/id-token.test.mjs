// ID token, discovery and JWKS rules (protocols.md "OpenID Connect login"), one test per
// OpenID Foundation Basic RP / Config RP conformance case plus the other hostile tokens.
// Every case has its own org and provider, so caches and rate limits never mix.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, assertLoggedIn, assertNoSession, describeFlow } from '../support/stack.mjs';
import { Browser } from '../support/browser.mjs';
import { nowSecs } from '../support/jwt.mjs';
import { unreachableUrl } from '../support/net.mjs';

const ORGS = [
  'client-test', 'invalid-iss', 'missing-sub', 'invalid-aud', 'missing-iat', 'kid-absent-single',
  'kid-absent-multiple', 'kid-absent-mixed-types', 'sig-rs256', 'sig-none', 'invalid-sig-rs256',
  'invalid-sig-es256', 'sig-es256', 'userinfo-invalid-sub', 'nonce-invalid', 'nonce-missing',
  'client-secret-basic', 'multi-aud-no-azp', 'multi-aud-azp', 'multi-aud-wrong-azp', 'expired',
  'iat-future', 'hs256-public-key', 'hs256-client-secret', 'alg-key-mismatch', 'unknown-kid',
  'unknown-kid-storm', 'discovery-config', 'discovery-jwks-uri', 'discovery-issuer-mismatch',
  'key-rotation', 'key-rotation-just-before', 'unparseable-key', 'jwks-garbage', 'jwks-500',
  'jwks-unreachable', 'discovery-unreachable', 'discovery-garbage', 'token-unreachable', 'token-500',
];
const PROVIDER_OPTIONS = { 'discovery-config': { issuerPath: '/oauth2/default' } };

let stack;
before(async () => {
  stack = await startStack({ orgs: ORGS.map((id) => ({ id, provider: PROVIDER_OPTIONS[id] })) });
});
after(() => stack?.stop());

const provider = (org) => stack.providers[org];

/** Runs a login for a user of `org`; answers `{ browser, flow }`. */
async function login(org) {
  const browser = new Browser();
  const flow = await stack.login(browser, { org, email: `user@${org}.test` });
  return { browser, flow };
}

async function expectAccepted(org) {
  const { browser, flow } = await login(org);
  await assertLoggedIn(flow, browser, stack.worker.url, { org });
  return flow;
}

/**
 * Expects the login to fail with `status` at the first step that did not redirect (the
 * login start or the callback), and no session.
 */
async function expectRejected(org, status) {
  const { browser, flow } = await login(org);
  const step = flow.callback ?? flow.login;
  assert.equal(step.status, status, describeFlow(flow));
  assert.equal(step.setCookies.some((c) => c.name === 'sso_session' && c.value && c.maxAge !== 0), false, 'no session cookie');
  await assertNoSession(browser, stack.worker.url);
  return flow;
}

/** Makes `org`'s provider edit every ID token it issues. */
function tamper(org, edit) {
  provider(org).hooks.idToken = edit;
}

describe('Basic RP', () => {
  test('oidcc-client-test: a valid code flow login succeeds', async () => {
    await expectAccepted('client-test');
  });

  test('oidcc-client-test-invalid-iss: an ID token with another iss is rejected', async () => {
    tamper('invalid-iss', (t) => { t.claims.iss = 'https://evil.example.com'; });
    await expectRejected('invalid-iss', 401);
  });

  test('oidcc-client-test-missing-sub: an ID token without sub is rejected', async () => {
    tamper('missing-sub', (t) => { delete t.claims.sub; });
    await expectRejected('missing-sub', 401);
  });

  test('oidcc-client-test-invalid-aud: an ID token for another client is rejected', async () => {
    tamper('invalid-aud', (t) => { t.claims.aud = 'some-other-client'; });
    await expectRejected('invalid-aud', 401);
  });

  test('oidcc-client-test-missing-iat: an ID token without iat is rejected', async () => {
    tamper('missing-iat', (t) => { delete t.claims.iat; });
    await expectRejected('missing-iat', 401);
  });

  test('oidcc-client-test-kid-absent-single-jwks: no kid and one key: that key is used', async () => {
    const p = provider('kid-absent-single');
    p.published = [p.keys.rsa];
    p.jwksWithoutKid = true;
    tamper('kid-absent-single', (t) => { t.header.kid = undefined; });
    await expectAccepted('kid-absent-single');
  });

  test('oidcc-client-test-kid-absent-multiple-jwks: no kid and several keys: accepted only by trying each (or rejected)', async () => {
    const p = provider('kid-absent-multiple');
    const second = p.newKey({ alg: 'RS256' });
    p.published = [p.keys.rsa, second];
    p.jwksWithoutKid = true;
    tamper('kid-absent-multiple', (t) => {
      t.key = second; // not the first key: picking the first one blindly cannot verify it
      t.header.kid = undefined;
    });
    const { browser, flow } = await login('kid-absent-multiple');
    assert.ok([302, 401].includes(flow.callback?.status), describeFlow(flow));
    if (flow.callback.status === 401) await assertNoSession(browser, stack.worker.url);
  });

  test('no kid, one RSA and one EC key: the key of the right type is used', async () => {
    const p = provider('kid-absent-mixed-types');
    p.jwksWithoutKid = true; // published: keys.rsa and keys.ec
    tamper('kid-absent-mixed-types', (t) => { t.header.kid = undefined; });
    await expectAccepted('kid-absent-mixed-types');
  });

  test('oidcc-client-test-idtoken-sig-rs256: an RS256 ID token is accepted', async () => {
    const flow = await expectAccepted('sig-rs256');
    assert.ok(flow.callback);
  });

  test('oidcc-client-test-idtoken-sig-none: an unsigned ID token is rejected', async () => {
    tamper('sig-none', (t) => { t.header.alg = 'none'; t.header.kid = undefined; });
    await expectRejected('sig-none', 401);
  });

  test('oidcc-client-test-invalid-sig-rs256: an RS256 ID token with a bad signature is rejected', async () => {
    tamper('invalid-sig-rs256', (t) => { t.corruptSignature = true; });
    await expectRejected('invalid-sig-rs256', 401);
  });

  test('oidcc-client-test-invalid-sig-es256: an ES256 ID token with a bad signature is rejected', async () => {
    const p = provider('invalid-sig-es256');
    tamper('invalid-sig-es256', (t) => { t.key = p.keys.ec; t.corruptSignature = true; });
    await expectRejected('invalid-sig-es256', 401);
  });

  test('an ES256 ID token is accepted', async () => {
    const p = provider('sig-es256');
    tamper('sig-es256', (t) => { t.key = p.keys.ec; });
    await expectAccepted('sig-es256');
  });

  test('oidcc-client-test-userinfo-invalid-sub: a userinfo sub other than the ID token\'s fails the login, if userinfo is used', async () => {
    const p = provider('userinfo-invalid-sub');
    p.hooks.userinfo = (claims) => ({ ...claims, sub: 'someone-else' });
    const { browser, flow } = await login('userinfo-invalid-sub');
    if (p.count('userinfo') === 0) {
      await assertLoggedIn(flow, browser, stack.worker.url);
    } else {
      assert.equal(flow.callback?.status, 401, describeFlow(flow));
      await assertNoSession(browser, stack.worker.url);
    }
  });

  test('oidcc-client-test-nonce-invalid: an ID token with another nonce is rejected', async () => {
    tamper('nonce-invalid', (t) => { t.claims.nonce = 'not-the-nonce-that-was-sent'; });
    await expectRejected('nonce-invalid', 401);
  });

  test('an ID token without nonce is rejected', async () => {
    tamper('nonce-missing', (t) => { delete t.claims.nonce; });
    await expectRejected('nonce-missing', 401);
  });

  test('oidcc-client-test-client-secret-basic: the code is exchanged with client_secret_basic', async () => {
    await expectAccepted('client-secret-basic');
    const request = provider('client-secret-basic').last('token');
    assert.equal(request.authMethod, 'client_secret_basic');
    assert.equal(request.form.client_secret, undefined);
  });
});

describe('more ID token rules', () => {
  test('several aud values without azp are rejected', async () => {
    const p = provider('multi-aud-no-azp');
    tamper('multi-aud-no-azp', (t) => { t.claims.aud = [p.clientId, 'another-client']; });
    await expectRejected('multi-aud-no-azp', 401);
  });

  test('several aud values with azp = client_id are accepted', async () => {
    const p = provider('multi-aud-azp');
    tamper('multi-aud-azp', (t) => { t.claims.aud = [p.clientId, 'another-client']; t.claims.azp = p.clientId; });
    await expectAccepted('multi-aud-azp');
  });

  test('several aud values with azp naming another client are rejected', async () => {
    const p = provider('multi-aud-wrong-azp');
    tamper('multi-aud-wrong-azp', (t) => { t.claims.aud = [p.clientId, 'another-client']; t.claims.azp = 'another-client'; });
    await expectRejected('multi-aud-wrong-azp', 401);
  });

  test('an expired ID token is rejected', async () => {
    tamper('expired', (t) => { t.claims.iat = nowSecs() - 900; t.claims.exp = nowSecs() - 300; });
    await expectRejected('expired', 401);
  });

  test('an ID token issued an hour in the future is rejected', async () => {
    tamper('iat-future', (t) => { t.claims.iat = nowSecs() + 3600; t.claims.exp = nowSecs() + 7200; });
    await expectRejected('iat-future', 401);
  });

  test('HS256 keyed with the IdP\'s RSA public key is rejected', async () => {
    tamper('hs256-public-key', (t) => { t.header.alg = 'HS256'; });
    await expectRejected('hs256-public-key', 401);
  });

  test('HS256 keyed with the client secret is rejected (not an allowed alg by default)', async () => {
    const p = provider('hs256-client-secret');
    tamper('hs256-client-secret', (t) => { t.header.alg = 'HS256'; t.header.kid = undefined; t.hmacSecret = p.clientSecret; });
    await expectRejected('hs256-client-secret', 401);
  });

  test('a header alg that does not fit the key named by kid is rejected', async () => {
    const p = provider('alg-key-mismatch');
    tamper('alg-key-mismatch', (t) => { t.key = p.keys.ec; t.header.kid = p.keys.rsa.kid; });
    await expectRejected('alg-key-mismatch', 401);
  });

  test('a token signed by an unknown key: rejected after at most one JWKS refetch', async () => {
    const org = 'unknown-kid';
    const p = provider(org);
    await expectAccepted(org); // warms the caches
    const fetches = p.count('jwks');
    const ghost = p.newKey({ alg: 'RS256', kid: 'ghost-1' });
    tamper(org, (t) => { t.key = ghost; });
    await expectRejected(org, 401);
    assert.ok(p.count('jwks') - fetches <= 1, `JWKS fetched ${p.count('jwks') - fetches} times for one unknown kid`);
  });

  test('a stream of made-up kids cannot make the worker hammer the JWKS endpoint', async () => {
    const org = 'unknown-kid-storm';
    const p = provider(org);
    await expectAccepted(org);
    const fetches = p.count('jwks');
    for (let i = 0; i < 6; i += 1) {
      const ghost = p.newKey({ alg: 'RS256', kid: `ghost-${i}` });
      tamper(org, (t) => { t.key = ghost; });
      await expectRejected(org, 401);
    }
    assert.ok(p.count('jwks') - fetches <= 2, `JWKS fetched ${p.count('jwks') - fetches} times for 6 unknown kids`);
  });
});

describe('Config RP', () => {
  test('oidcc-client-test-discovery-openid-config: endpoints come from discovery (issuer with a path)', async () => {
    const p = provider('discovery-config');
    assert.ok(p.issuer.endsWith('/oauth2/default'));
    const flow = await expectAccepted('discovery-config');
    assert.equal(flow.authorizeUrl.pathname, '/oauth2/default/authorize');
    assert.ok(p.count('discovery') >= 1 && p.count('token') >= 1);
  });

  test('oidcc-client-test-discovery-jwks-uri-keys: keys come from the discovered jwks_uri', async () => {
    const p = provider('discovery-jwks-uri');
    p.hooks.discovery = (doc) => ({ ...doc, jwks_uri: `${p.issuer}/jwks?tenant=a` });
    await expectAccepted('discovery-jwks-uri');
    assert.ok(p.requests.jwks.some((r) => r.query.tenant === 'a'), 'the JWKS was read from the discovered jwks_uri');
  });

  test('oidcc-client-test-discovery-issuer-mismatch: a discovery document naming another issuer: 502', async () => {
    const p = provider('discovery-issuer-mismatch');
    p.discoveryIssuer = `${p.issuer}/other`;
    await expectRejected('discovery-issuer-mismatch', 502);
    assert.equal(p.count('authorize'), 0, 'the browser is never sent to that IdP');
    assert.equal(p.count('token'), 0);
  });

  test('oidcc-client-test-signing-key-rotation: a new key replacing the old one is picked up', async () => {
    const org = 'key-rotation';
    const p = provider(org);
    await expectAccepted(org);
    const fetches = p.count('jwks');
    p.rotate({ kid: 'rotated-1' });
    await expectAccepted(org);
    assert.ok(p.count('jwks') > fetches, 'the JWKS was fetched again for the new kid');
  });

  test('oidcc-client-test-signing-key-rotation-just-before-signing: rotation between authorization and token', async () => {
    const org = 'key-rotation-just-before';
    const p = provider(org);
    await expectAccepted(org);
    tamper(org, (t) => {
      t.key = p.rotate({ kid: 'rotated-late' });
      t.header = {};
      p.hooks.idToken = undefined;
    });
    await expectAccepted(org);
  });

  test('oidcc-client-test-ignores-unparseable-key-in-jwks: an unparseable key does not spoil the others', async () => {
    const p = provider('unparseable-key');
    p.jwksExtra = [
      { kty: 'RSA', kid: 'broken-rsa', n: '!!!not base64!!!', e: 'AQAB', alg: 'RS256', use: 'sig' },
      { kty: 'EC', kid: 'broken-ec', crv: 'P-999', x: 'AA', y: 'AA' },
      { kty: 'OKP', crv: 'Ed25519', kid: 'unsupported', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
      { kid: 'no-kty' },
    ];
    await expectAccepted('unparseable-key');
  });
});

describe('IdP misbehaving or unreachable', () => {
  test('a JWKS that is not JSON: 502', async () => {
    provider('jwks-garbage').script('jwks', { garbage: true });
    await expectRejected('jwks-garbage', 502);
  });

  test('a JWKS endpoint answering 500: 502 or 503', async () => {
    provider('jwks-500').script('jwks', { status: 500, body: 'oops' });
    const { browser, flow } = await login('jwks-500');
    const step = flow.callback ?? flow.login;
    assert.ok([502, 503].includes(step.status), describeFlow(flow));
    await assertNoSession(browser, stack.worker.url);
  });

  test('an unreachable JWKS: 503', async () => {
    const p = provider('jwks-unreachable');
    const dead = await unreachableUrl('/jwks');
    p.hooks.discovery = (doc) => ({ ...doc, jwks_uri: dead });
    await expectRejected('jwks-unreachable', 503);
  });

  test('an unreachable issuer: 503', async () => {
    await provider('discovery-unreachable').stop();
    await expectRejected('discovery-unreachable', 503);
  });

  test('a discovery document that is not JSON: 502', async () => {
    provider('discovery-garbage').script('discovery', { garbage: true });
    await expectRejected('discovery-garbage', 502);
    assert.equal(provider('discovery-garbage').count('authorize'), 0);
  });

  test('an unreachable token endpoint: 503', async () => {
    const p = provider('token-unreachable');
    const dead = await unreachableUrl('/token');
    p.hooks.discovery = (doc) => ({ ...doc, token_endpoint: dead });
    await expectRejected('token-unreachable', 503);
  });

  test('a token endpoint answering 500: 502 or 503', async () => {
    provider('token-500').script('token', { status: 500, body: 'oops' });
    const { browser, flow } = await login('token-500');
    assert.ok([502, 503].includes(flow.callback?.status), describeFlow(flow));
    await assertNoSession(browser, stack.worker.url);
  });
});
