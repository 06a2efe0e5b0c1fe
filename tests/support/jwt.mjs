//! Signing keys and compact JWTs for hostile tests: any header, any claims, `alg: none`,
//! HMAC keyed with a public key, corrupted signatures. Built on node:crypto because a
//! well-behaved JOSE library refuses to produce most of these.

import crypto from 'node:crypto';

/** The hash and signing options of each JWS algorithm a test may use. */
const ALGS = {
  RS256: { hash: 'sha256', kty: 'RSA' },
  RS384: { hash: 'sha384', kty: 'RSA' },
  RS512: { hash: 'sha512', kty: 'RSA' },
  PS256: { hash: 'sha256', kty: 'RSA', pss: 32 },
  ES256: { hash: 'sha256', kty: 'EC', crv: 'P-256' },
  ES384: { hash: 'sha384', kty: 'EC', crv: 'P-384' },
  HS256: { hash: 'sha256', hmac: true },
  HS384: { hash: 'sha384', hmac: true },
  HS512: { hash: 'sha512', hmac: true },
};

/**
 * A new signing key: `generateKey({ alg = 'RS256', kid })` →
 * `{ kid, alg, kty, privateKey, publicKey, publicJwk, publicPem }`
 * (`publicJwk` carries `kid`, `alg` and `use: "sig"`).
 */
export function generateKey({ alg = 'RS256', kid } = {}) {
  const spec = ALGS[alg];
  if (!spec || spec.hmac) throw new Error(`generateKey: no asymmetric algorithm ${alg}`);
  const { privateKey, publicKey } =
    spec.kty === 'RSA'
      ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      : crypto.generateKeyPairSync('ec', { namedCurve: spec.crv });
  kid ??= `${alg.toLowerCase()}-${crypto.randomBytes(4).toString('hex')}`;
  return {
    kid,
    alg,
    kty: spec.kty,
    privateKey,
    publicKey,
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }),
  };
}

/**
 * Signs `payload` as a compact JWS.
 *
 * - `key`: a key from `generateKey` (default header `alg` and `kid` come from it).
 * - `header`: merged over `{ alg, kid, typ: 'JWT' }`; a member set to `undefined` is left out.
 * - `header.alg === 'none'`: no signature (`<header>.<payload>.`).
 * - an `HS*` alg: HMAC keyed with `hmacSecret` (default: `key`'s public PEM — the classic
 *   algorithm-confusion attack).
 * - `corruptSignature`: flips bits of the signature.
 */
export function signJwt(payload, { key, header = {}, hmacSecret, corruptSignature = false } = {}) {
  const fullHeader = { alg: key?.alg, kid: key?.kid, typ: 'JWT', ...header };
  const alg = fullHeader.alg;
  const input = `${b64u(JSON.stringify(fullHeader))}.${b64u(JSON.stringify(payload))}`;
  let signature;
  if (alg === 'none') {
    signature = Buffer.alloc(0);
  } else {
    const spec = ALGS[alg];
    if (!spec) throw new Error(`signJwt: unknown alg ${alg}`);
    if (spec.hmac) {
      const secret = hmacSecret ?? key?.publicPem;
      if (!secret) throw new Error('signJwt: HMAC needs hmacSecret or a key');
      signature = crypto.createHmac(spec.hash, secret).update(input).digest();
    } else {
      if (!key) throw new Error(`signJwt: ${alg} needs a key`);
      const options = { key: key.privateKey };
      if (spec.pss) Object.assign(options, { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.pss });
      if (spec.kty === 'EC') options.dsaEncoding = 'ieee-p1363';
      signature = crypto.sign(spec.hash, Buffer.from(input), options);
    }
  }
  if (corruptSignature) {
    signature = Buffer.from(signature);
    signature[Math.floor(signature.length / 2)] ^= 0x5a;
    signature[signature.length - 1] ^= 0x01;
  }
  return `${input}.${signature.toString('base64url')}`;
}

/** The decoded header and payload of a compact JWT (no verification). */
export function decodeJwt(token) {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
  };
}

/** Seconds since the epoch. */
export const nowSecs = () => Math.floor(Date.now() / 1000);

/** A random, URL-safe identifier (for `jti`, `sid`, codes). */
export const randomId = (bytes = 16) => crypto.randomBytes(bytes).toString('base64url');

const b64u = (text) => Buffer.from(text).toString('base64url');
