// A fast, minimal OpenID provider for `make bench`: discovery, JWKS, an /authorize that
// answers at once (no login form: the user is the `login_hint`), and a token endpoint
// that signs RS256 ID tokens with one fixed RSA key. Codes are stateless (the signed-in
// user, nonce and PKCE challenge travel inside them), so full logins per second through
// the worker measure the worker, not the provider. Never use it outside the bench.
//
//   node bench/idp.mjs --port 9400 --key idp-key.pem --client-id edge-sso-bench --client-secret s3cret
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const port = Number(args.port);
const issuer = `http://127.0.0.1:${port}`;
const clientId = args['client-id'];
const clientSecret = args['client-secret'];
const privateKey = crypto.createPrivateKey(fs.readFileSync(args.key));
const kid = args.kid ?? 'bench-rsa';
const publicJwk = { ...crypto.createPublicKey(privateKey).export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

const b64 = (data) => Buffer.from(data).toString('base64url');
const header = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
const discovery = JSON.stringify({
  issuer,
  authorization_endpoint: `${issuer}/authorize`,
  token_endpoint: `${issuer}/token`,
  jwks_uri: `${issuer}/jwks`,
  response_types_supported: ['code'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256'],
  code_challenge_methods_supported: ['S256'],
  token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
});
const jwks = JSON.stringify({ keys: [publicJwk] });
const expectedBasic = `Basic ${Buffer.from(`${encodeURIComponent(clientId).replace(/%20/g, '+')}:${encodeURIComponent(clientSecret).replace(/%20/g, '+')}`).toString('base64')}`;
let sid = 0;

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function authorize(url, res) {
  const q = url.searchParams;
  const redirect = q.get('redirect_uri');
  if (q.get('client_id') !== clientId || !redirect || q.get('code_challenge_method') !== 'S256') {
    return send(res, 400, JSON.stringify({ error: 'invalid_request' }));
  }
  const email = q.get('login_hint') || 'bench@bench.test';
  const code = b64(JSON.stringify({ e: email, n: q.get('nonce'), c: q.get('code_challenge'), r: redirect }));
  const back = new URL(redirect);
  back.searchParams.set('code', code);
  back.searchParams.set('state', q.get('state') ?? '');
  back.searchParams.set('iss', issuer);
  res.writeHead(302, { location: back.toString(), 'content-length': 0 });
  res.end();
}

function token(body, req, res) {
  const form = new URLSearchParams(body);
  const basic = req.headers.authorization === expectedBasic;
  const post = form.get('client_id') === clientId && form.get('client_secret') === clientSecret;
  if (!basic && !post) return send(res, 401, JSON.stringify({ error: 'invalid_client' }));
  let code;
  try {
    code = JSON.parse(Buffer.from(form.get('code') ?? '', 'base64url').toString());
  } catch {
    return send(res, 400, JSON.stringify({ error: 'invalid_grant' }));
  }
  const challenge = b64(crypto.createHash('sha256').update(form.get('code_verifier') ?? '').digest());
  if (form.get('grant_type') !== 'authorization_code' || challenge !== code.c || form.get('redirect_uri') !== code.r) {
    return send(res, 400, JSON.stringify({ error: 'invalid_grant' }));
  }
  const now = Math.floor(Date.now() / 1000);
  const local = code.e.split('@')[0];
  const claims = { iss: issuer, aud: clientId, sub: `sub-${code.e}`, email: code.e, email_verified: true, name: `User ${local}`, nonce: code.n, sid: `sid-${++sid}`, iat: now, exp: now + 300 };
  const input = `${header}.${b64(JSON.stringify(claims))}`;
  const idToken = `${input}.${b64(crypto.sign('sha256', Buffer.from(input), privateKey))}`;
  send(res, 200, JSON.stringify({ access_token: crypto.randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken }), { 'cache-control': 'no-store' });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, issuer);
  if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') return send(res, 200, discovery);
  if (req.method === 'GET' && url.pathname === '/jwks') return send(res, 200, jwks);
  if (req.method === 'GET' && url.pathname === '/authorize') return authorize(url, res);
  if (req.method === 'POST' && url.pathname === '/token') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => token(Buffer.concat(chunks).toString(), req, res));
    return;
  }
  send(res, 404, JSON.stringify({ error: 'not_found' }));
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log(`bench idp ready on ${issuer}`));
