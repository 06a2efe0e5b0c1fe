// Development OpenID provider (oidc-provider) for one org: login form, RP-initiated and back-channel logout.
//
// Usage: node dev/idp/server.mjs [--org acme] [--port 9000] [--host 127.0.0.1]
//          [--worker http://127.0.0.1:8787] [--client-id edge-sso-acme] [--client-secret acme-dev-secret]
//          [--auth-method client_secret_basic|client_secret_post] [--data-dir dev/data] [--users users.json]
//
// Login, as a browser or a cookie-jar HTTP client walks it (cookies are plain, Path-scoped, SameSite=Lax):
//   1. GET  /auth?response_type=code&client_id&redirect_uri&scope&state&nonce&code_challenge
//           &code_challenge_method=S256[&login_hint]
//        → 303 Location: /interaction/<uid>   Set-Cookie: _interaction (Path=/interaction/<uid>),
//                                              _interaction_resume (Path=/auth/<uid>), and their .sig
//        (with a live IdP session and a grant: 303 straight to redirect_uri, as in step 4)
//   2. GET  /interaction/<uid>                → 200 the login form, <form method="post" action="/interaction/<uid>">
//   3. POST /interaction/<uid>  login=<email>&password=<password>  (application/x-www-form-urlencoded)
//        → 303 Location: <issuer>/auth/<uid>   (wrong password: 200, the form again with an error)
//   4. GET  /auth/<uid>                       → 303 Location: <redirect_uri>?code=…&state=…&iss=<issuer>
//                                              Set-Cookie: _session (Path=/), the IdP session
//   5. POST /token  grant_type=authorization_code&code&redirect_uri&code_verifier, client secret by
//        the client's auth method → 200 {access_token, id_token, …}; the ID token (RS256) carries
//        sub, email, email_verified, name, given_name, family_name, nonce and sid.
//
// RP-initiated logout:
//   1. GET  /session/end?id_token_hint&post_logout_redirect_uri&state  (with the _session cookie)
//        → 200 a confirmation form: POST /session/end/confirm with a hidden `xsrf`
//        (without an IdP session: 200 a self-submitting form with xsrf and logout=yes)
//   2. POST /session/end/confirm  xsrf=<value>&logout=yes
//        → the IdP POSTs logout_token=<JWT> to the client's backchannel_logout_uri (and waits for it),
//          then 303 Location: <post_logout_redirect_uri>?state=…  (no post_logout_redirect_uri:
//          303 to /session/end/success, a "you are signed out" page)

import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Provider, { errors } from 'oidc-provider';
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';

import { escapeHtml, page } from '../html.mjs';
import { DEFAULT_DATA_DIR, loadOrCreateKeys } from './keys.mjs';
import { DEV_PASSWORD, loadUsers, orgDefaults } from './orgs.mjs';

const { org, port, host, issuer, worker, clientId, clientSecret, authMethod, users, dataDir } = settings();
const orgTitle = `${org[0].toUpperCase()}${org.slice(1)}`;

// Startup is synchronous up to `listen`, so the one wait is for the socket. Should the IdP not
// listen within 10 s, it says every 10 s which step it is in and what the event loop still
// waits for (a timer cannot fire while a synchronous step runs: then scripts/dev-ready.mjs
// reads the process's state from /proc when it gives up).
const startedAt = Date.now();
let startupStep = 'creating or loading the signing key';
const startupWatch = setInterval(() => {
  const pending = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout').join(', ') || 'nothing';
  console.log(`${org} IdP: still starting after ${Math.round((Date.now() - startedAt) / 1000)} s: ${startupStep}; pending: ${pending}`);
}, 10_000);
const signingKeys = loadOrCreateKeys(dataDir, org);
console.log(`${org} IdP: signing key ready after ${Date.now() - startedAt} ms`);
startupStep = 'building the provider';
const provider = new Provider(issuer, {
  adapter: createMemoryAdapter(), // the in-memory store, without the "development-only" warning
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    token_endpoint_auth_method: authMethod,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${worker}/_sso/callback`],
    post_logout_redirect_uris: [`${worker}/_sso/logged-out`],
    backchannel_logout_uri: `${worker}/_sso/backchannel-logout`,
    backchannel_logout_session_required: true, // also puts `sid` in every ID token
  }],
  jwks: signingKeys,
  cookies: { keys: [`edge-sso-dev-${org}-cookie-key-not-secret`] },
  scopes: ['openid', 'email', 'profile'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  conformIdTokenClaims: false, // scope claims go into the ID token too, not only to userinfo
  responseTypes: ['code'],
  pkce: { required: () => true }, // S256 is the only method oidc-provider 9 accepts
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: false },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: (ctx, sub) => {
    const user = users.find((u) => u.sub === sub);
    return user && { accountId: sub, claims: () => user };
  },
  ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 28800, Grant: 28800 },
  clientBasedCORS: () => false,
  renderError,
  // oidc-provider's own fetch refuses loopback addresses (an SSRF guard), and the dev
  // worker is on 127.0.0.1: drop its guarded dispatcher and use plain fetch.
  fetch: (url, { dispatcher, ...options }) => fetch(url, options),
});

provider.on('end_session.success', (ctx) => {
  const scope = ctx.oidc.params.logout ? 'the IdP' : `${ctx.oidc.client?.clientId} only (IdP session kept)`;
  console.log(`logout: ${emailOf(ctx.oidc.session?.accountId)} signed out of ${scope}`);
});
provider.on('backchannel.success', (ctx, client, sub) => {
  console.log(`logout: back-channel logout of ${emailOf(sub)} delivered to ${client.backchannelLogoutUri}`);
});
provider.on('backchannel.error', (ctx, err, client, sub) => {
  const reason = err.cause?.message ?? err.message;
  console.log(`logout: back-channel logout of ${emailOf(sub)} to ${client.backchannelLogoutUri} failed: ${reason}`);
});
provider.on('server_error', (ctx, err) => console.error('server error:', err));

const providerHandler = provider.callback();
const server = createServer((req, res) => {
  const { pathname } = new URL(req.url, issuer);
  const uid = /^\/interaction\/([\w-]+)$/.exec(pathname)?.[1];
  if (uid && (req.method === 'GET' || req.method === 'POST')) {
    interaction(req, res, uid).catch((err) => interactionError(res, err));
  } else if (pathname === '/dashboard' && req.method === 'GET') {
    send(res, 200, dashboardPage());
  } else if (pathname === '/token' && !clientAuthMatches(req)) {
    sendJson(res, 401, {
      error: 'invalid_client',
      error_description: `client authentication failed: this client uses ${authMethod}`,
    });
  } else {
    providerHandler(req, res);
  }
});
server.on('error', (err) => {
  console.error(err.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use` : err.message);
  process.exit(1);
});
startupStep = `listening on ${host}:${port}`;
server.listen(port, host, () => {
  clearInterval(startupWatch);
  console.log(`${org} IdP ready: issuer ${issuer}, client ${clientId} (${authMethod}), `
    + `users ${users.map((u) => u.email).join(', ')}, password ${DEV_PASSWORD}`);
});

/** The command line, with each org's defaults filled in; a bad flag ends the process with one line. */
function settings() {
  try {
    const { values: args } = parseArgs({
      options: {
        org: { type: 'string', default: 'acme' },
        port: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        worker: { type: 'string', default: 'http://127.0.0.1:8787' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'auth-method': { type: 'string' },
        'data-dir': { type: 'string' },
        users: { type: 'string' },
      },
    });
    const defaults = orgDefaults(args.org);
    const port = Number(args.port ?? defaults.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port ${args.port} is not a port`);
    const authMethod = args['auth-method'] ?? defaults.authMethod;
    if (!['client_secret_basic', 'client_secret_post'].includes(authMethod)) {
      throw new Error(`--auth-method must be client_secret_basic or client_secret_post, not ${authMethod}`);
    }
    return {
      org: args.org,
      port,
      host: args.host,
      issuer: `http://${args.host}:${port}`,
      worker: new URL(args.worker).origin,
      clientId: args['client-id'] ?? defaults.clientId,
      clientSecret: args['client-secret'] ?? defaults.clientSecret,
      authMethod,
      users: args.users ? loadUsers(args.users, args.org) : defaults.users,
      dataDir: args['data-dir'] ? resolve(args['data-dir']) : DEFAULT_DATA_DIR,
    };
  } catch (err) {
    console.error(`idp: ${err.message}`);
    process.exit(2);
  }
}

/** The login step: show the form, check the password, then grant the requested scopes at once. */
async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params } = details;
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction cookie does not match the URL');

  if (prompt.name === 'consent') {
    // A live IdP session without a grant for this client (or for new scopes): consent is implicit.
    await finish(req, res, details, details.session.accountId);
    return;
  }
  if (req.method === 'GET') {
    send(res, 200, loginPage(uid, params.login_hint ?? ''));
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  const login = (form.get('login') ?? '').trim();
  const user = users.find((u) => u.email.toLowerCase() === login.toLowerCase());
  if (!user || form.get('password') !== DEV_PASSWORD) {
    console.log(`login: failed for ${login || '(no email)'}: ${user ? 'wrong password' : 'unknown user'}`);
    send(res, 200, loginPage(uid, login, 'Wrong email or password.'));
    return;
  }
  console.log(`login: ${user.email} (sub ${user.sub}) signed in to ${params.client_id}`);
  await finish(req, res, details, user.sub);
}

/** Completes the interaction with a login and a grant of every requested scope (303 to /auth/<uid>). */
async function finish(req, res, details, accountId) {
  const { params, grantId } = details;
  const grant = (grantId && await provider.Grant.find(grantId))
    ?? new provider.Grant({ accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  const result = { login: { accountId }, consent: { grantId: await grant.save() } };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

/**
 * The "dashboard" an Okta user sees: one tile per app. Its link is what Okta's tile and
 * the OIN `initiate_login_uri` send: third-party initiated login (OIDC Core §4) with `iss`
 * and `target_link_uri`.
 */
function dashboardPage() {
  const tile = new URL('/_sso/login', worker);
  tile.searchParams.set('iss', issuer);
  tile.searchParams.set('target_link_uri', `${worker}/`);
  return page(`${orgTitle} dashboard (development IdP)`, `
<h1>${escapeHtml(orgTitle)} apps</h1>
<p class="note">Development identity provider at ${escapeHtml(issuer)}: what an Okta dashboard tile does.</p>
<p><a class="button" id="app-tile" href="${escapeHtml(tile.href)}">edge-sso demo app</a></p>`);
}

function loginPage(uid, login, error) {
  const hint = users.map((u) => escapeHtml(u.email)).join(', ');
  return page(`Sign in – ${orgTitle} (development IdP)`, `
<h1>Sign in to ${escapeHtml(orgTitle)}</h1>
<p class="note">Development identity provider at ${escapeHtml(issuer)}.</p>
${error ? `<p class="error" role="alert" id="login-error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}">
  <label for="login">Email</label>
  <input id="login" name="login" type="email" autocomplete="username" required value="${escapeHtml(login)}"${login ? '' : ' autofocus'}${error ? ' aria-describedby="login-error"' : ''}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required${login ? ' autofocus' : ''}>
  <button type="submit">Sign in</button>
</form>
<p class="note">Users: ${hint}. Password for all: <code>${escapeHtml(DEV_PASSWORD)}</code>.</p>
<p class="note">Start from the IdP instead: <a href="/dashboard">${escapeHtml(orgTitle)} dashboard</a> (an app tile, as in Okta).</p>`);
}

function interactionError(res, err) {
  if (err instanceof errors.SessionNotFound) {
    send(res, 400, page('Sign-in expired', `
<h1>This sign-in has expired</h1>
<p>Go back to the application and sign in again.</p>`));
    return;
  }
  console.error('interaction error:', err);
  send(res, 500, page('Sign-in error', '<h1>Something went wrong</h1><p>See the IdP log.</p>'));
}

async function logoutSource(ctx, form) {
  // `form` is oidc-provider's <form id="op.logoutForm"> holding the hidden xsrf field.
  const buttons = '<button type="submit" name="logout" value="yes" autofocus>Yes, sign me out</button> '
    + '<button type="submit">No, stay signed in</button>';
  const who = ctx.oidc.session?.accountId ? ` as ${emailOf(ctx.oidc.session.accountId)}` : '';
  ctx.type = 'html';
  ctx.body = page(`Sign out – ${orgTitle}`, `
<h1>Sign out of ${escapeHtml(orgTitle)}?</h1>
<p>You are signed in${escapeHtml(who)} at ${escapeHtml(issuer)}.</p>
${form.replace('</form>', `${buttons}</form>`)}`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = page(`Signed out – ${orgTitle}`, `
<h1>You are signed out of ${escapeHtml(orgTitle)}</h1>
<p><a href="${escapeHtml(worker)}/">Back to the application</a></p>`);
}

async function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = page('Identity provider error', `
<h1>The identity provider could not complete the request</h1>
<p class="error">${escapeHtml(out.error)}</p>
<p>${escapeHtml(out.error_description)}</p>`);
}

function emailOf(sub) {
  return users.find((u) => u.sub === sub)?.email ?? sub ?? '(no session)';
}

/**
 * oidc-provider accepts client_secret_basic and client_secret_post interchangeably; a real IdP
 * may not, so the registered method is enforced here (from the headers alone, leaving the body
 * to oidc-provider): post must not send Basic credentials, basic must.
 */
function clientAuthMatches(req) {
  const basic = /^basic /i.test(req.headers.authorization ?? '');
  return authMethod === 'client_secret_basic' ? basic : !basic;
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

function readBody(req, limit = 16 * 1024) {
  return new Promise((resolveBody, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > limit) reject(new Error('request body too large'));
    });
    req.on('end', () => resolveBody(body));
    req.on('error', reject);
  });
}
