//! A scriptable OpenID provider for hostile end-to-end cases: one HTTP server per
//! instance, whose discovery document, JWKS, authorization redirect, token response,
//! ID token and userinfo each test can bend, and which records every request it gets.

import http from 'node:http';
import crypto from 'node:crypto';
import { listen, readBody, sleep } from './net.mjs';
import { generateKey, signJwt, nowSecs, randomId } from './jwt.mjs';

/** The `events` member of a back-channel logout token. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** The endpoints a test can script or count, by name. */
export const ENDPOINTS = ['discovery', 'jwks', 'authorize', 'token', 'userinfo', 'end_session'];

/**
 * Starts a provider on a free port of 127.0.0.1.
 *
 * Options: `clientId`, `clientSecret`, `issuerPath` (e.g. `/oauth2/default`; default none),
 * `endSession` (advertise an end_session_endpoint; default true), `authMethods`
 * (accepted client authentication methods; default both).
 *
 * The returned provider's mutable fields are the test's script:
 * - `discoveryIssuer`: the `issuer` the discovery document claims (default: the real one);
 * - `published`: keys whose public JWKs `/jwks` serves (default `[keys.rsa, keys.ec]`);
 *   `jwksWithoutKid`: publish them without `kid`; `jwksExtra`: raw JWK objects appended;
 * - `signingKey`: the key ID tokens are signed with (default `keys.rsa`);
 * - `user`: the user every login gets (default: looked up by `login_hint` through `userFor`);
 * - `sid`: the IdP session id of the next logins (default: a fresh one per authorization);
 * - `callbackIss`: add `iss` to the authorization response (`true` → the issuer, or a string);
 * - `authorizeError`: answer the authorization request with `error=<this>` (or
 *   `{ error, error_description }`);
 * - `addClient(id, secret)`: another app of the same tenant (same issuer and keys); its ID
 *   tokens carry `aud: id`;
 * - `hooks.discovery(doc)`, `hooks.idToken(t, ctx)`, `hooks.userinfo(claims, ctx)`: edit
 *   in place (or return a replacement; `idToken` may return a finished JWT string).
 *   `t` is `{ claims, header, key, hmacSecret, corruptSignature }`, signed after the hook.
 */
export async function startTestProvider({
  clientId = 'edge-sso-test',
  clientSecret = `secret-${randomId(12)}`,
  issuerPath = '',
  endSession = true,
  authMethods = ['client_secret_basic', 'client_secret_post'],
} = {}) {
  const keys = { rsa: generateKey({ alg: 'RS256', kid: 'rsa-1' }), ec: generateKey({ alg: 'ES256', kid: 'ec-1' }) };
  const requests = Object.fromEntries(ENDPOINTS.map((name) => [name, []]));
  const scripts = Object.fromEntries(ENDPOINTS.map((name) => [name, []]));
  const codes = new Map();
  const accessTokens = new Map();
  const users = new Map();

  const provider = {
    clientId,
    clientSecret,
    keys,
    users,
    requests,
    discoveryIssuer: undefined,
    published: [keys.rsa, keys.ec],
    jwksWithoutKid: false,
    jwksExtra: [],
    signingKey: keys.rsa,
    user: undefined,
    sid: undefined,
    callbackIss: false,
    authorizeError: undefined,
    hooks: {},
    /** Other apps (client id → secret) of this tenant: `addClient(id, secret)`. */
    extraClients: {},
    addClient(id, secret) {
      provider.extraClients[id] = secret;
    },

    /** How many requests `endpoint` got so far. */
    count: (endpoint) => requests[endpoint].length,

    /**
     * Scripts the next answers of `endpoint` (one of ENDPOINTS):
     * `{ status = 200, body, json, headers, delayMs, hang, garbage, times = Infinity }`,
     * or `{ handler(req, res, record) }`. Only `delayMs` (no status/body/hang/handler)
     * delays the normal answer. Later scripts apply once earlier ones are used up.
     */
    script(endpoint, behaviour) {
      if (!scripts[endpoint]) throw new Error(`unknown endpoint ${endpoint}`);
      scripts[endpoint].push({ times: Infinity, ...behaviour });
    },
    /** Drops every script of `endpoint` (or of all endpoints). */
    unscript(endpoint) {
      for (const name of endpoint ? [endpoint] : ENDPOINTS) scripts[name].length = 0;
    },

    /** The user for `email` (created on first use: `sub` stable per email, names from the local part). */
    userFor(email = 'alice@acme.test') {
      if (!users.has(email)) {
        const local = email.split('@')[0];
        const given = local.charAt(0).toUpperCase() + local.slice(1);
        users.set(email, {
          sub: `sub-${crypto.createHash('sha256').update(email).digest('hex').slice(0, 12)}`,
          email,
          email_verified: true,
          name: `${given} Tester`,
          given_name: given,
          family_name: 'Tester',
        });
      }
      return users.get(email);
    },

    /** A fresh key (`generateKey` options); published only if `publish` (default false). */
    newKey({ alg = 'RS256', kid, publish = false } = {}) {
      const key = generateKey({ alg, kid });
      if (publish) provider.published = [...provider.published, key];
      return key;
    },

    /** Key rotation: a new RSA key replaces every published key and signs from now on. */
    rotate({ kid, alg = 'RS256' } = {}) {
      const key = generateKey({ alg, kid });
      provider.published = [key];
      provider.signingKey = key;
      return key;
    },

    /** The JWKS `/jwks` serves now. */
    jwks() {
      const published = provider.published.map(({ publicJwk }) => {
        const jwk = { ...publicJwk };
        if (provider.jwksWithoutKid) delete jwk.kid;
        return jwk;
      });
      return { keys: [...published, ...provider.jwksExtra] };
    },

    /** Signs any claims (see jwt.mjs `signJwt`); the key defaults to `signingKey`. */
    sign: (claims, options = {}) => signJwt(claims, { key: provider.signingKey, ...options }),

    /** The default ID token claims for `user` (overrides merged last). */
    idTokenClaims(user = provider.userFor(), overrides = {}) {
      const now = nowSecs();
      const { sub, email, email_verified, name, given_name, family_name } = user;
      return {
        iss: provider.issuer, sub, aud: clientId, exp: now + 600, iat: now, auth_time: now,
        email, email_verified, name, given_name, family_name, ...overrides,
      };
    },

    /**
     * A back-channel logout token: defaults `iss`, `aud`, `iat`, `exp` (+120 s), `jti`,
     * `events`, header `typ: logout+jwt`; pass `sub` and/or `sid`. A claim set to
     * `undefined` is left out. `options` as for `sign` (e.g. `header`, `key`).
     */
    logoutToken(claims = {}, options = {}) {
      const now = nowSecs();
      const payload = {
        iss: provider.issuer, aud: clientId, iat: now, exp: now + 120, jti: randomId(),
        events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, ...claims,
      };
      return provider.sign(payload, { ...options, header: { typ: 'logout+jwt', ...options.header } });
    },

    /**
     * An Okta Universal Logout (global token revocation) bearer JWT for endpoint `aud`:
     * defaults `iss` = issuer, `sub` = client_id, `iat`, `nbf`, `exp` (+300 s), `jti`,
     * header `typ: global-token-revocation+jwt`, RS256 with `keys.rsa`.
     */
    universalLogoutToken(claims = {}, options = {}) {
      const now = nowSecs();
      const payload = { iss: provider.issuer, sub: clientId, iat: now, nbf: now, exp: now + 300, jti: randomId(), ...claims };
      return signJwt(payload, {
        key: keys.rsa,
        ...options,
        header: { typ: 'global-token-revocation+jwt', alg: 'RS256', ...options.header },
      });
    },

    /** An org entry for the worker's `SSO.orgs` pointing at this provider (overrides merged). */
    org(overrides = {}) {
      return {
        id: 'acme',
        issuer: provider.issuer,
        client_id: clientId,
        client_secret: clientSecret,
        domains: ['acme.test'],
        default_projects: ['onboarding'],
        ...overrides,
      };
    },

    /** The last recorded request of `endpoint`. */
    last: (endpoint) => requests[endpoint].at(-1),
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`test provider error: ${error.stack}`);
    });
  });
  const listening = await listen(server);
  provider.port = listening.port;
  provider.url = listening.url;
  provider.issuer = `${listening.url}${issuerPath}`;
  provider.stop = listening.close;

  const routes = {
    '/.well-known/openid-configuration': ['discovery', discovery],
    '/jwks': ['jwks', (req, res) => sendJson(res, 200, provider.jwks())],
    '/authorize': ['authorize', authorize],
    '/token': ['token', token],
    '/userinfo': ['userinfo', userinfo],
    '/logout': ['end_session', endSessionHandler],
  };

  async function handle(req, res) {
    const url = new URL(req.url, provider.url);
    const route = url.pathname.startsWith(issuerPath) ? routes[url.pathname.slice(issuerPath.length)] : undefined;
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const [endpoint, handler] = route;
    const body = (await readBody(req)).toString('utf8');
    const record = {
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      form: Object.fromEntries(new URLSearchParams(body)),
      at: Date.now(),
    };
    requests[endpoint].push(record);
    if (await scripted(endpoint, req, res, record)) return;
    await handler(req, res, record);
  }

  async function scripted(endpoint, req, res, record) {
    const behaviour = scripts[endpoint].find((s) => s.times > 0);
    if (!behaviour) return false;
    behaviour.times -= 1;
    if (behaviour.delayMs) await sleep(behaviour.delayMs);
    if (behaviour.hang) return true; // never answered; `stop()` drops the connection
    if (behaviour.handler) {
      await behaviour.handler(req, res, record);
      return true;
    }
    const answers = ['status', 'body', 'json', 'garbage', 'headers'].some((k) => k in behaviour);
    if (!answers) return false;
    const status = behaviour.status ?? 200;
    if ('json' in behaviour) {
      sendJson(res, status, behaviour.json);
      return true;
    }
    const body = behaviour.garbage ? '{"keys": [ this is not json' : (behaviour.body ?? '');
    res.writeHead(status, { 'content-type': 'application/json', ...behaviour.headers });
    res.end(body);
    return true;
  }

  function discovery(req, res) {
    const base = provider.issuer;
    let doc = {
      issuer: provider.discoveryIssuer ?? provider.issuer,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      userinfo_endpoint: `${base}/userinfo`,
      jwks_uri: `${base}/jwks`,
      ...(endSession ? { end_session_endpoint: `${base}/logout` } : {}),
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      token_endpoint_auth_methods_supported: authMethods,
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['openid', 'email', 'profile'],
      grant_types_supported: ['authorization_code'],
      claims_supported: ['sub', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'sid'],
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      authorization_response_iss_parameter_supported: Boolean(provider.callbackIss),
    };
    doc = provider.hooks.discovery?.(doc) ?? doc;
    sendJson(res, 200, doc);
  }

  function authorize(req, res, record) {
    const q = record.query;
    if (!q.redirect_uri) return sendJson(res, 400, { error: 'invalid_request', error_description: 'no redirect_uri' });
    const target = new URL(q.redirect_uri);
    if (provider.authorizeError) {
      const { error, error_description = 'The user denied the request' } =
        typeof provider.authorizeError === 'string' ? { error: provider.authorizeError } : provider.authorizeError;
      target.searchParams.set('error', error);
      target.searchParams.set('error_description', error_description);
    } else {
      const code = randomId();
      const user = provider.user ?? provider.userFor(q.login_hint || undefined);
      codes.set(code, { query: q, user, sid: provider.sid ?? randomId(), used: false });
      record.code = code;
      target.searchParams.set('code', code);
    }
    if (q.state !== undefined) target.searchParams.set('state', q.state);
    if (provider.callbackIss) {
      target.searchParams.set('iss', provider.callbackIss === true ? provider.issuer : provider.callbackIss);
    }
    record.redirect = target.href;
    res.writeHead(302, { location: target.href });
    res.end();
  }

  async function token(req, res, record) {
    const form = record.form;
    const auth = clientAuthentication(req.headers, form);
    record.authMethod = auth.method;
    if (!auth.ok || !authMethods.includes(auth.method)) {
      return sendJson(res, 401, { error: 'invalid_client', error_description: auth.reason ?? `${auth.method} not allowed` });
    }
    const grant = codes.get(form.code);
    const fail = (description) => sendJson(res, 400, { error: 'invalid_grant', error_description: description });
    if (form.grant_type !== 'authorization_code') return fail('grant_type must be authorization_code');
    if (!grant) return fail('unknown code');
    if (grant.used) return fail('code already used');
    grant.used = true;
    if (form.redirect_uri !== grant.query.redirect_uri) return fail('redirect_uri differs from the authorization request');
    record.pkce = pkceMatches(grant.query, form.code_verifier);
    if (!record.pkce) return fail('PKCE verification failed');

    // A second app of the same tenant gets ID tokens for itself.
    const aud = grant.query.client_id && grant.query.client_id !== clientId ? { aud: grant.query.client_id } : {};
    const claims = provider.idTokenClaims(grant.user, { nonce: grant.query.nonce, sid: grant.sid, ...aud });
    const t = { claims, header: {}, key: provider.signingKey, hmacSecret: undefined, corruptSignature: false };
    const ctx = { grant, record, provider };
    const replaced = provider.hooks.idToken?.(t, ctx);
    const idToken =
      typeof replaced === 'string'
        ? replaced
        : signJwt(t.claims, { key: t.key, header: t.header, hmacSecret: t.hmacSecret, corruptSignature: t.corruptSignature });
    record.idToken = idToken;
    const accessToken = randomId();
    accessTokens.set(accessToken, grant);
    sendJson(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, scope: grant.query.scope, id_token: idToken });
  }

  function userinfo(req, res) {
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const grant = bearer && accessTokens.get(bearer);
    if (!grant) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' });
      return res.end();
    }
    const { sub, email, email_verified, name, given_name, family_name } = grant.user;
    let claims = { sub, email, email_verified, name, given_name, family_name };
    claims = provider.hooks.userinfo?.(claims, { grant }) ?? claims;
    sendJson(res, 200, claims);
  }

  function endSessionHandler(req, res, record) {
    const q = record.query;
    if (q.post_logout_redirect_uri) {
      const target = new URL(q.post_logout_redirect_uri);
      if (q.state !== undefined) target.searchParams.set('state', q.state);
      res.writeHead(302, { location: target.href });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><p>Signed out at the test provider.</p>');
  }

  /** The main client, or one added with `addClient`. */
  function known(id, secret) {
    return (id === clientId && secret === clientSecret) || (Object.hasOwn(provider.extraClients, id) && provider.extraClients[id] === secret);
  }

  function clientAuthentication(headers, form) {
    const basic = /^Basic (.+)$/i.exec(headers.authorization ?? '')?.[1];
    if (basic) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const unform = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
      const id = unform(decoded.slice(0, colon));
      const secret = unform(decoded.slice(colon + 1));
      if (form.client_secret !== undefined) return { method: 'client_secret_basic', ok: false, reason: 'two client authentication methods' };
      return { method: 'client_secret_basic', ok: known(id, secret), reason: 'bad client credentials' };
    }
    if (form.client_secret !== undefined) {
      return { method: 'client_secret_post', ok: known(form.client_id, form.client_secret), reason: 'bad client credentials' };
    }
    return { method: 'none', ok: false, reason: 'no client authentication' };
  }

  return provider;
}

/** True when `verifier` matches the authorization request's S256 `code_challenge`. */
function pkceMatches(query, verifier) {
  if (query.code_challenge_method !== 'S256' || !query.code_challenge || !verifier) return false;
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false;
  return crypto.createHash('sha256').update(verifier).digest('base64url') === query.code_challenge;
}

function sendJson(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}
