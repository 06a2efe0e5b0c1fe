// Demo origin behind edge-sso: shows who is signed in and the X-Sso-* headers, and takes JIT provisioning calls.
//
// Usage: node dev/origin/server.mjs [--port 9100] [--host 127.0.0.1] [--worker http://127.0.0.1:8787]
//          [--data-dir dev/data]
//   GET  /                         (any other path too) the signed-in user, the headers, the assertion check
//   POST /internal/sso/provision   JIT provisioning (interface.md §5); users kept in <data-dir>/origin-users.json
//   GET  /api/users                the provisioned users, as JSON: through the worker, those of the
//                                  user's org; directly, all (a development aid for the tests)

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { escapeHtml, htmlDocument } from '../html.mjs';

const DEFAULT_DATA_DIR = fileURLToPath(new URL('../data', import.meta.url));
const MAX_IDEMPOTENCY_KEYS = 1000;

const { port, host, worker, dataDir } = settings();
const originUrl = `http://${host}:${port}`;
const storePath = join(dataDir, 'origin-users.json');
const store = loadStore();
const workerKeys = createRemoteJWKSet(new URL(`${worker}/_sso/jwks.json`));

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const server = createServer(async (req, res) => {
  const { pathname } = new URL(req.url, originUrl);
  res.on('finish', () => console.log(`${req.method} ${pathname} ${res.statusCode}`));
  try {
    if (pathname === '/internal/sso/provision') {
      if (req.method !== 'POST') throw new HttpError(405, 'use POST');
      await provision(req, res);
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, 'this demo origin only answers GET here');
    } else if (pathname === '/api/users') {
      // Through the worker, a user sees their own org's users; the full list answers only
      // a direct request to this loopback origin (the tests' view of what was provisioned).
      const org = req.headers['x-sso-org'] && decodeHeader(req.headers['x-sso-org']);
      sendJson(res, 200, [...store.users.values()].filter((u) => !org || u.org === org));
    } else {
      sendHtml(res, 200, await homePage(req));
    }
  } catch (err) {
    if (!(err instanceof HttpError)) console.error(err);
    const status = err instanceof HttpError ? err.status : 500;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${status === 500 ? 'internal error' : err.message}\n`);
  }
});
server.on('error', (err) => {
  console.error(err.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use` : err.message);
  process.exit(1);
});
server.listen(port, host, () => {
  console.log(`demo origin ready on ${originUrl}, trusting assertions from ${worker}, users in ${storePath}`);
});

/**
 * POST /internal/sso/provision: 401 without a valid assertion, 400 for a bad body, 403 when the
 * assertion names another user, the stored answer again for a known Idempotency-Key (422 if
 * the body differs), else 201 (new user) or 200 (updated user) with the stored user.
 */
async function provision(req, res) {
  const assertion = await verifyAssertion(req.headers['x-sso-assertion']);
  if (!assertion.ok) throw new HttpError(401, `invalid X-Sso-Assertion: ${assertion.error}`);
  const raw = await readBody(req);
  const key = req.headers['idempotency-key'];
  const fingerprint = createHash('sha256').update(raw).digest('base64url');
  const earlier = key && store.idempotency.get(key);
  if (earlier) {
    if (earlier.fingerprint !== fingerprint) {
      throw new HttpError(422, 'Idempotency-Key reused with a different body');
    }
    sendJson(res, earlier.status, earlier.body);
    return;
  }

  const input = parseProvisioning(raw);
  const { sub, org, idp_iss: idpIssuer } = assertion.claims;
  if (sub !== input.subject || org !== input.org || idpIssuer !== input.issuer) {
    throw new HttpError(403, 'the assertion names another user than the body');
  }
  const id = `${input.org} ${input.subject}`;
  const previous = store.users.get(id);
  const now = new Date().toISOString();
  const user = {
    ...input,
    // An attribute the IdP did not send this time keeps its stored value; projects accumulate.
    email: input.email ?? previous?.email ?? null,
    name: input.name ?? previous?.name ?? null,
    given_name: input.given_name ?? previous?.given_name ?? null,
    family_name: input.family_name ?? previous?.family_name ?? null,
    projects: [...new Set([...(previous?.projects ?? []), ...input.projects])],
    created_at: previous?.created_at ?? now,
    updated_at: now,
  };
  const status = previous ? 200 : 201;
  store.users.set(id, user);
  if (key) {
    store.idempotency.set(key, { fingerprint, status, body: user });
    if (store.idempotency.size > MAX_IDEMPOTENCY_KEYS) {
      store.idempotency.delete(store.idempotency.keys().next().value);
    }
  }
  saveStore();
  console.log(`provisioned ${user.email ?? user.subject} in ${user.org} (${previous ? 'updated' : 'new'})`);
  sendJson(res, status, user);
}

/** The provisioning body, checked field by field; anything else is a 400 naming the field. */
function parseProvisioning(raw) {
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'body must be a JSON object');
  }
  const text = (name, required) => {
    const value = body[name];
    if (value === undefined || value === null) {
      if (required) throw new HttpError(400, `${name}: missing`);
      return null;
    }
    if (typeof value !== 'string' || (required && value === '')) {
      throw new HttpError(400, `${name}: must be a ${required ? 'non-empty ' : ''}string`);
    }
    return value;
  };
  const projects = body.projects ?? [];
  if (!Array.isArray(projects) || projects.some((p) => typeof p !== 'string')) {
    throw new HttpError(400, 'projects: must be an array of strings');
  }
  return {
    org: text('org', true),
    issuer: text('issuer', true),
    subject: text('subject', true),
    email: text('email'),
    name: text('name'),
    given_name: text('given_name'),
    family_name: text('family_name'),
    projects,
  };
}

/** Checks X-Sso-Assertion against the worker's JWKS: `{ ok, claims }` or `{ ok: false, error }`. */
async function verifyAssertion(token) {
  if (!token) return { ok: false, error: 'header missing' };
  try {
    const { payload } = await jwtVerify(token, workerKeys, {
      issuer: worker,
      audience: [originUrl, worker],
      algorithms: ['ES256'],
      requiredClaims: ['sub', 'iat', 'exp', 'jti'],
      clockTolerance: 5,
    });
    return { ok: true, claims: payload };
  } catch (err) {
    return { ok: false, error: err.code ? `${err.code}: ${err.message}` : err.message };
  }
}

async function homePage(req) {
  const { pathname, search } = new URL(req.url, originUrl);
  const headers = Object.entries(req.headers)
    .filter(([name]) => name.startsWith('x-sso-'))
    .sort(([a], [b]) => a.localeCompare(b));
  const value = (name) => decodeHeader(req.headers[`x-sso-${name}`] ?? '');
  const signedIn = Boolean(req.headers['x-sso-subject']);
  const assertion = await verifyAssertion(req.headers['x-sso-assertion']);
  const me = signedIn ? store.users.get(`${value('org')} ${value('subject')}`) : undefined;

  const bar = `<header class="bar"><div class="inner">
<span class="app">Demo app <span class="dim">behind edge-sso</span></span>
${signedIn ? `<span class="me"><span class="dim">${escapeHtml(value('email'))}</span>
<a href="/_sso/sessions">Your sessions</a>
<form method="post" action="/_sso/logout"><button type="submit">Sign out</button></form></span>` : ''}
</div></header>`;

  const who = signedIn
    ? `<p class="lead">Signed in as <strong>${escapeHtml(value('name'))}</strong> (${escapeHtml(value('email'))}),
  organization <strong>${escapeHtml(value('org'))}</strong>.</p>
<dl class="facts">
<dt>Page</dt><dd><code>${escapeHtml(pathname + search)}</code></dd>
<dt>Projects</dt><dd>${me?.projects.length
    ? `<ul class="chips">${me.projects.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>`
    : 'none provisioned'}</dd>
</dl>`
    : `<p class="lead">Not signed in: this request carried no identity headers (a public path, or the origin
  was opened directly instead of through edge-sso at <a href="${escapeHtml(worker)}/">${escapeHtml(worker)}</a>).</p>`;
  const check = assertion.ok
    ? `<p class="status ok"><span class="badge">✓ verified</span> X-Sso-Assertion verified with
  <code>${escapeHtml(worker)}/_sso/jwks.json</code> (subject ${escapeHtml(assertion.claims.sub)},
  an assertion made for this one request: valid ${escapeHtml(String(assertion.claims.exp - assertion.claims.iat))} s,
  until ${escapeHtml(new Date(assertion.claims.exp * 1000).toISOString())}; the session itself lasts much longer).</p>`
    : `<p class="status error"><span class="badge">✗ not verified</span> X-Sso-Assertion not verified:
  ${escapeHtml(assertion.error)}</p>`;
  const headerRows = headers.map(([name, raw]) => {
    const shown = name === 'x-sso-assertion' && raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    const decoded = name === 'x-sso-assertion' ? '' : decodeHeader(raw);
    return `<tr><th scope="row"><code>${escapeHtml(name)}</code></th><td><code>${escapeHtml(shown)}</code></td>`
      + `<td>${escapeHtml(decoded)}</td></tr>`;
  });
  // Only a signed-in user sees users, and only those of their own org: a public page (or
  // another org's user) must never list anyone.
  const visible = signedIn ? [...store.users.values()].filter((u) => u.org === value('org')) : [];
  const userRows = visible.map((u) => `<tr><td>${escapeHtml(u.org)}</td>`
    + `<td>${escapeHtml(u.name)}</td><td>${escapeHtml(u.email)}</td><td><code>${escapeHtml(u.subject)}</code></td>`
    + `<td>${escapeHtml(u.projects.join(', '))}</td></tr>`);

  return layout('edge-sso demo origin', bar, `
<section aria-labelledby="title">
<h1 id="title">edge-sso demo origin</h1>
${who}
</section>
<section aria-labelledby="assertion-title">
<h2 id="assertion-title">Identity assertion</h2>
${check}
</section>
<section aria-labelledby="headers-title">
<h2 id="headers-title">X-Sso-* headers received</h2>
${headerRows.length ? `<div class="scroll"><table id="sso-headers">
<thead><tr><th scope="col">Header</th><th scope="col">Value</th><th scope="col">Decoded</th></tr></thead>
<tbody>
${headerRows.join('\n')}
</tbody>
</table></div>` : '<p>None.</p>'}
</section>
${signedIn ? `<section aria-labelledby="users-title">
<h2 id="users-title">Provisioned users of ${escapeHtml(value('org'))}</h2>
${userRows.length ? `<div class="scroll"><table id="provisioned-users">
<thead><tr><th scope="col">Org</th><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Subject</th><th scope="col">Projects</th></tr></thead>
<tbody>
${userRows.join('\n')}
</tbody>
</table></div>` : '<p>None yet: the worker provisions each user at their first sign-in.</p>'}
</section>` : ''}
<p class="note">Also: <a href="/_sso/session">/_sso/session</a> · <a href="/public/">a public page</a></p>`);
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
a{color:#2552d0}
a:focus,button:focus{outline:3px solid #9ab8ff;outline-offset:2px}
code{font:.9em/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.bar{background:#1d2330;color:#fff}
.inner{max-width:60rem;margin:0 auto;padding:.7rem 1.25rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}
.app{font-weight:700}
.bar .dim{color:#b9c0d0;font-weight:400}
.me{display:flex;align-items:center;gap:1rem}
.me form{margin:0}
.me button{font:inherit;font-weight:600;color:#1d2330;background:#fff;border:0;border-radius:8px;padding:.4rem .9rem;cursor:pointer}
.me button:hover{background:#e4e9f7}
main{max-width:60rem;margin:1.5rem auto;padding:0 1.25rem}
section{background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(20,30,60,.08);padding:1.25rem 1.5rem;margin-bottom:1.25rem}
h1{font-size:1.45rem;margin:0 0 .5rem}
h2{font-size:1.05rem;margin:0 0 .75rem}
p{margin:.5rem 0}
.lead{font-size:1.05rem}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:1rem 0 0;align-items:center}
.facts dt{color:#5b6376;font-weight:600}
.facts dd{margin:0}
.chips{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.4rem}
.chips li{background:#e8eefc;color:#1d3f9e;border-radius:999px;padding:.1rem .7rem;font-weight:600;font-size:.9rem}
.status{margin:0}
.badge{display:inline-block;margin-right:.4rem;padding:.05rem .6rem;border-radius:999px;font-size:.85rem;font-weight:700}
.ok .badge{background:#dff3e5;color:#14532d}
.error .badge{background:#fdecec;color:#a4161a}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;vertical-align:top;padding:.45rem .6rem;border-bottom:1px solid #e4e7ec}
thead th{font-size:.75rem;text-transform:uppercase;letter-spacing:.05em;color:#5b6376}
tbody tr:last-child th,tbody tr:last-child td{border-bottom:0}
.note{color:#5b6376;font-size:.9rem;padding:0 .25rem}
`;

/** The demo origin's own layout: a top bar, then cards; self-contained, no scripts. */
function layout(title, bar, body) {
  return htmlDocument(title, STYLE, `${bar}\n<main>\n${body}\n</main>`, '<link rel="icon" href="data:,">\n');
}

/** X-Sso-* values are percent-encoded UTF-8; a malformed one is shown as it came. */
function decodeHeader(raw) {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function loadStore() {
  try {
    const saved = JSON.parse(readFileSync(storePath, 'utf8'));
    return {
      users: new Map(saved.users.map((u) => [`${u.org} ${u.subject}`, u])),
      idempotency: new Map(Object.entries(saved.idempotency ?? {})),
    };
  } catch (err) {
    if (err.code !== 'ENOENT') console.error(`${storePath}: ${err.message}; starting with no users`);
    return { users: new Map(), idempotency: new Map() };
  }
}

/** Writes the store atomically: a temporary file renamed over the old one. */
function saveStore() {
  mkdirSync(dataDir, { recursive: true });
  const temp = `${storePath}.${process.pid}.tmp`;
  const saved = { users: [...store.users.values()], idempotency: Object.fromEntries(store.idempotency) };
  writeFileSync(temp, `${JSON.stringify(saved, null, 2)}\n`);
  renameSync(temp, storePath);
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}

function sendHtml(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

function readBody(req, limit = 64 * 1024) {
  return new Promise((resolveBody, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > limit) reject(new HttpError(400, 'body too large'));
    });
    req.on('end', () => resolveBody(body));
    req.on('error', reject);
  });
}

/** The command line; a bad flag ends the process with one line. */
function settings() {
  try {
    const { values: args } = parseArgs({
      options: {
        port: { type: 'string', default: '9100' },
        host: { type: 'string', default: '127.0.0.1' },
        worker: { type: 'string', default: 'http://127.0.0.1:8787' },
        'data-dir': { type: 'string' },
      },
    });
    const port = Number(args.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port ${args.port} is not a port`);
    return {
      port,
      host: args.host,
      worker: new URL(args.worker).origin,
      dataDir: args['data-dir'] ? resolve(args['data-dir']) : DEFAULT_DATA_DIR,
    };
  } catch (err) {
    console.error(`origin: ${err.message}`);
    process.exit(2);
  }
}
