// An org's persisted RS256 signing key, and the Okta Universal Logout request signed with it.

import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importJWK, SignJWT } from 'jose';

import { checkOrgId } from './orgs.mjs';

/** `dev/data` of this repository, wherever the process was started from. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../data', import.meta.url));

/** Where an org's private JWKS lives: `<dataDir>/<org>-keys.json`. */
export function keysPath(dataDir, org) {
  return join(dataDir, `${checkOrgId(org)}-keys.json`);
}

/** The org's private JWKS as its IdP created it; fails with a clear message when there is none yet. */
export function loadKeys(dataDir, org) {
  const path = keysPath(dataDir, org);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const reason = err.code === 'ENOENT' ? `no such file (start the ${org} IdP once to create it)` : err.message;
    throw new Error(`${path}: ${reason}`, { cause: err });
  }
}

/**
 * The org's private JWKS (`{ keys: [rsaPrivateJwk] }`, with `kid`, `alg: RS256`, `use: sig`).
 * Created on first use and reused by every later process; two processes racing to create
 * it end up with the same file (the loser reads the winner's key). Synchronous from start
 * to end: nothing here waits on the event loop or libuv's thread pool, so an IdP either
 * has its key or is still computing it (see the startup log).
 */
export function loadOrCreateKeys(dataDir, org) {
  const path = keysPath(dataDir, org);
  if (existsSync(path)) return loadKeys(dataDir, org);
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const kid = rsaThumbprint(jwk);
  const jwks = { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] };

  mkdirSync(dataDir, { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o600 });
  try {
    linkSync(temp, path); // fails with EEXIST if another process got there first
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
    return loadKeys(dataDir, org);
  } finally {
    unlinkSync(temp);
  }
  return jwks;
}

/**
 * The RFC 7638 JWK thumbprint of an RSA key (SHA-256 of `{"e","kty","n"}` in that order,
 * base64url): the same value as jose's `calculateJwkThumbprint`, computed without WebCrypto's
 * asynchronous digest.
 */
export function rsaThumbprint({ e, n }) {
  const canonical = JSON.stringify({ e, kty: 'RSA', n });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The public half of a private JWKS, as an IdP publishes it at its `jwks_uri`. */
export function publicJwks({ keys }) {
  return { keys: keys.map(({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use })) };
}

/**
 * Signs the Bearer JWT of an Okta Universal Logout (global token revocation) request:
 * header `typ: global-token-revocation+jwt`, RS256, `kid`; claims `iss`, `sub` (the app's
 * client_id), `aud` (the exact endpoint URL), `iat`, `nbf`, `exp` (= now + lifetime), `jti`.
 * `now` (Unix seconds), `lifetime` and `jti` are there so tests can build stale or replayed tokens.
 */
export async function signUniversalLogoutJwt({
  privateJwk, issuer, clientId, audience,
  now = Math.floor(Date.now() / 1000), lifetime = 60, jti = randomUUID(),
}) {
  const key = await importJWK(privateJwk, 'RS256');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'global-token-revocation+jwt', kid: privateJwk.kid })
    .setIssuer(issuer)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + lifetime)
    .setJti(jti)
    .sign(key);
}

/**
 * The JSON body naming the user: `{"sub_id":{"format":"email","email":…}}`, or with `sub`
 * given `{"sub_id":{"format":"iss_sub","iss":…,"sub":…}}` (`iss`: the issuer of the user's ID tokens).
 */
export function universalLogoutBody({ email, iss, sub }) {
  const subId = sub ? { format: 'iss_sub', iss, sub } : { format: 'email', email };
  return { sub_id: subId };
}

/**
 * A ready-to-send Universal Logout request to `<worker>/_sso/global-token-revocation`:
 * `{ url, init }` for `fetch(url, init)`. `privateJwk` defaults to the org's persisted key
 * (which must exist: a key made up here would not be the one its IdP publishes).
 */
export async function universalLogoutRequest({
  org, issuer, clientId, worker, email, sub,
  dataDir = DEFAULT_DATA_DIR, privateJwk, now, jti,
}) {
  const url = `${worker.replace(/\/+$/, '')}/_sso/global-token-revocation`;
  const jwk = privateJwk ?? loadKeys(dataDir, org).keys[0];
  const jwt = await signUniversalLogoutJwt({ privateJwk: jwk, issuer, clientId, audience: url, now, jti });
  return {
    url,
    init: {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      body: JSON.stringify(universalLogoutBody({ email, iss: issuer, sub })),
    },
  };
}
