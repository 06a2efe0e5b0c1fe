// Writes tests/vectors/signatures.json: one set of signed JWTs, a JWKS and the verdict
// each token must get, run against both signature implementations — natively by
// src/jose/tests/vector_cases.rs (RustCrypto) and in workerd by
// tests/e2e/signature-vectors.test.mjs (WebCrypto, through Universal Logout).
// Regenerate with `node tests/vectors/make-signatures.mjs` (fresh keys each time).
//
// Every token is a Universal Logout JWT that passes every claim rule for the org the
// e2e test configures (fixed `iss`, `sub`, `aud`, far `exp`, one `jti` per case), so
// the signature alone decides: `valid` → the revocation goes on (404, unknown user),
// `invalid` → 401.

import crypto from 'node:crypto';
import { writeFileSync } from 'node:fs';

const ISSUER = 'https://vectors.edge-sso.test';
const CLIENT_ID = 'vectors-client';
const BASE_URL = 'https://sso.vectors.test';

const b64 = (bytes) => Buffer.from(bytes).toString('base64url');
const rsa = (bits) => crypto.generateKeyPairSync('rsa', { modulusLength: bits });
const ec = (curve) => crypto.generateKeyPairSync('ec', { namedCurve: curve });
const keys = {
  'rsa-a': rsa(2048),
  'rsa-b': rsa(2048),
  'rsa-small': rsa(1024),
  'ec-a': ec('P-256'),
  'ec-b': ec('P-256'),
  'ec384': ec('P-384'),
};
const publicJwk = (name) => ({ ...keys[name].publicKey.export({ format: 'jwk' }), kid: name });

const ecA = publicJwk('ec-a');
const flipped = Buffer.from(ecA.y, 'base64url');
flipped[flipped.length - 1] ^= 1;
const jwks = {
  keys: [
    publicJwk('rsa-a'),
    publicJwk('rsa-small'),
    ecA,
    publicJwk('ec384'),
    // A P-384 point labelled P-256; a P-256 "point" off the curve.
    { ...publicJwk('ec384'), crv: 'P-256', kid: 'ec-wrong-curve' },
    { ...ecA, y: b64(flipped), kid: 'ec-off-curve' },
  ],
};

const HASH = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };
/** The raw JWS signature of `input` by `key` under `alg` (`der`: ECDSA in DER instead). */
function signature(alg, key, input, { der = false, saltLength } = {}) {
  const bits = alg.slice(2);
  const privateKey = keys[key].privateKey;
  if (alg.startsWith('RS')) return crypto.sign(HASH[bits], input, privateKey);
  if (alg.startsWith('PS')) {
    return crypto.sign(HASH[bits], input, {
      key: privateKey,
      padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: saltLength ?? Number(bits) / 8,
    });
  }
  return crypto.sign(HASH[bits], input, { key: privateKey, dsaEncoding: der ? 'der' : 'ieee-p1363' });
}

const cases = [];
/**
 * Adds a case: header `alg`/`kid`, signed as `signAlg` (default `alg`) by `key`;
 * `mutate(signature, payload)` may change either after signing.
 */
function add(name, expect, { alg, kid, key, signAlg = alg, mutate, der, saltLength }) {
  const header = { alg, typ: 'global-token-revocation+jwt', ...(kid ? { kid } : {}) };
  const claims = {
    iss: ISSUER,
    sub: CLIENT_ID,
    aud: `${BASE_URL}/_sso/global-token-revocation`,
    iat: 1_700_000_000,
    exp: 4_102_444_800,
    jti: `vector-${name}`,
  };
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  let sig = key ? signature(signAlg, key, input, { der, saltLength }) : Buffer.alloc(0);
  let payload = input.split('.')[1];
  if (mutate) [sig, payload] = mutate(Buffer.from(sig), payload);
  cases.push({ name, expect, token: `${input.split('.')[0]}.${payload}.${b64(sig)}` });
}

for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']) add(alg.toLowerCase(), 'valid', { alg, kid: 'rsa-a', key: 'rsa-a' });
add('es256', 'valid', { alg: 'ES256', kid: 'ec-a', key: 'ec-a' });
add('es384', 'valid', { alg: 'ES384', kid: 'ec384', key: 'ec384' });
add('rs256 without kid', 'valid', { alg: 'RS256', key: 'rsa-a' });
add('es256 without kid', 'valid', { alg: 'ES256', key: 'ec-a' });

add('rs256 by another key', 'invalid', { alg: 'RS256', kid: 'rsa-a', key: 'rsa-b' });
add('ps256 by another key', 'invalid', { alg: 'PS256', kid: 'rsa-a', key: 'rsa-b' });
add('es256 by another key', 'invalid', { alg: 'ES256', kid: 'ec-a', key: 'ec-b' });
add('es256 by another key without kid', 'invalid', { alg: 'ES256', key: 'ec-b' });

const tamper = (sig, payload) => [sig, b64(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url')), jti: 'tampered' }))];
add('rs256 tampered payload', 'invalid', { alg: 'RS256', kid: 'rsa-a', key: 'rsa-a', mutate: tamper });
add('ps256 tampered payload', 'invalid', { alg: 'PS256', kid: 'rsa-a', key: 'rsa-a', mutate: tamper });
add('es256 tampered payload', 'invalid', { alg: 'ES256', kid: 'ec-a', key: 'ec-a', mutate: tamper });
const flipBit = (sig, payload) => { sig[sig.length >> 1] ^= 0x10; return [sig, payload]; };
add('rs256 flipped signature bit', 'invalid', { alg: 'RS256', kid: 'rsa-a', key: 'rsa-a', mutate: flipBit });
add('es384 flipped signature bit', 'invalid', { alg: 'ES384', kid: 'ec384', key: 'ec384', mutate: flipBit });

add('rs384 header over an rs256 signature', 'invalid', { alg: 'RS384', signAlg: 'RS256', kid: 'rsa-a', key: 'rsa-a' });
add('ps256 header over an rs256 signature', 'invalid', { alg: 'PS256', signAlg: 'RS256', kid: 'rsa-a', key: 'rsa-a' });
add('rs256 header over a ps256 signature', 'invalid', { alg: 'RS256', signAlg: 'PS256', kid: 'rsa-a', key: 'rsa-a' });
add('ps384 header over a ps256 signature', 'invalid', { alg: 'PS384', signAlg: 'PS256', kid: 'rsa-a', key: 'rsa-a' });
add('es256 header naming an rsa key', 'invalid', { alg: 'ES256', kid: 'rsa-a', key: 'ec-a' });
add('es384 header over an es256 signature', 'invalid', { alg: 'ES384', signAlg: 'ES256', kid: 'ec-a', key: 'ec-a' });
add('ps256 with an empty salt', 'invalid', { alg: 'PS256', kid: 'rsa-a', key: 'rsa-a', saltLength: 0 });
add('alg none', 'invalid', { alg: 'none', kid: 'rsa-a' });
add('hs256 keyed with the public modulus', 'invalid', {
  alg: 'HS256', kid: 'rsa-a',
  mutate: (_, payload) => [crypto.createHmac('sha256', jwks.keys[0].n).update('x').digest(), payload],
});

const cut = (sig, payload) => [sig.subarray(0, sig.length - 1), payload];
const grow = (sig, payload) => [Buffer.concat([sig, Buffer.from([0])]), payload];
add('rs256 signature one byte short', 'invalid', { alg: 'RS256', kid: 'rsa-a', key: 'rsa-a', mutate: cut });
add('rs256 signature with a leading zero byte', 'invalid', {
  alg: 'RS256', kid: 'rsa-a', key: 'rsa-a', mutate: (sig, payload) => [Buffer.concat([Buffer.from([0]), sig]), payload],
});
add('es256 signature of 63 bytes', 'invalid', { alg: 'ES256', kid: 'ec-a', key: 'ec-a', mutate: cut });
add('es256 signature of 65 bytes', 'invalid', { alg: 'ES256', kid: 'ec-a', key: 'ec-a', mutate: grow });
add('es384 signature of 64 bytes', 'invalid', { alg: 'ES384', kid: 'ec384', key: 'ec384', mutate: (sig, p) => [sig.subarray(0, 64), p] });
add('es256 der-encoded signature', 'invalid', { alg: 'ES256', kid: 'ec-a', key: 'ec-a', der: true });
add('es256 empty signature', 'invalid', { alg: 'ES256', kid: 'ec-a', key: 'ec-a', mutate: (_, p) => [Buffer.alloc(0), p] });

add('rs256 by a 1024-bit key', 'invalid', { alg: 'RS256', kid: 'rsa-small', key: 'rsa-small' });
add('es256 with a p-384 point labelled p-256', 'invalid', { alg: 'ES256', kid: 'ec-wrong-curve', key: 'ec-a' });
add('es256 with a point off the curve', 'invalid', { alg: 'ES256', kid: 'ec-off-curve', key: 'ec-a' });
add('es256 with an unknown kid', 'invalid', { alg: 'ES256', kid: 'nobody', key: 'ec-a' });

const out = new URL('./signatures.json', import.meta.url);
const doc = { issuer: ISSUER, client_id: CLIENT_ID, base_url: BASE_URL, jwks, cases };
writeFileSync(out, `${JSON.stringify(doc, null, 1)}\n`);
console.log(`wrote ${cases.length} cases to ${out.pathname}`);
