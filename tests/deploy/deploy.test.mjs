// The deployment tools (README, "Deploy to Cloudflare"): `make check-config` on good and
// bad production configs, with the very errors the worker logs for them, and the deploy
// guard refusing the development configuration and the untouched template, accepting a
// filled-in one — all through `wrangler deploy --dry-run`: no network, no account.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { repoRoot, startWorker, tmpRoot } from '../support/worker.mjs';
import { fetchText } from '../support/net.mjs';
import { missingSecrets, requiredSecrets } from '../../scripts/deployment.mjs';

const GOOD = {
  base_url: 'https://app.acme-corp.com',
  origin: 'https://origin.acme-corp.com',
  public_paths: ['/healthz'],
  branding: { product_name: 'Acme Portal', accent_color: '#0b6e4f', support_email: 'it@acme-corp.com' },
  orgs: [{ id: 'acme', issuer: 'https://acme.okta.com', client_id: '0oa1example', client_secret_var: 'ACME_CLIENT_SECRET', domains: ['acme-corp.com'] }],
};
const DEV_SSO = devSso();

function scratch() {
  fs.mkdirSync(tmpRoot, { recursive: true });
  return fs.mkdtempSync(path.join(tmpRoot, 'deploy-'));
}

function node(script, args, opts = {}) {
  const run = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', script), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000, ...opts });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

function checkConfig(sso, ...flags) {
  const dir = scratch();
  const file = path.join(dir, 'sso.json');
  fs.writeFileSync(file, typeof sso === 'string' ? sso : JSON.stringify(sso));
  try {
    return node('check-config.mjs', [...flags, file]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The `SSO` of .dev.vars, what `make dev` runs with. */
function devSso() {
  const text = fs.readFileSync(path.join(repoRoot, '.dev.vars'), 'utf8');
  const match = text.match(/^SSO='([^']*)'/m);
  assert.ok(match, '.dev.vars holds SSO');
  return JSON.parse(match[1]);
}

/** wrangler.toml with its [env.production] table replaced by `production` (TOML text). */
function wranglerToml(dir, production) {
  const tracked = fs.readFileSync(path.join(repoRoot, 'wrangler.toml'), 'utf8');
  const top = tracked.slice(0, tracked.indexOf('\n[env.production]') + 1).replace('main = "build/entry.js"', `main = ${JSON.stringify(path.join(repoRoot, 'build', 'entry.js'))}`);
  const file = path.join(dir, 'wrangler.toml');
  fs.writeFileSync(file, `${top}${production}`);
  return file;
}

const productionEnv = ({ kvId, route, sso }) => `[env.production]
name = "edge-sso"
routes = [{ pattern = ${JSON.stringify(route)}, custom_domain = true }]
[[env.production.durable_objects.bindings]]
name = "SSO_SESSIONS"
class_name = "SessionStore"
[[env.production.durable_objects.bindings]]
name = "SSO_STATE"
class_name = "SsoState"
[[env.production.kv_namespaces]]
binding = "SSO_CACHE"
id = ${JSON.stringify(kvId)}
[env.production.vars]
SSO = ${JSON.stringify(JSON.stringify(sso))}
`;

test('check-config accepts a production configuration and names the secrets it needs', () => {
  const { status, out } = checkConfig(GOOD);
  assert.equal(status, 0, out);
  assert.match(out, /ok \(orgs: acme\)/);
  assert.match(out, /Worker secrets it needs: SSO_SESSION_SECRET, ACME_CLIENT_SECRET/);
});

test('check-config refuses the development configuration of make dev, naming each development value', () => {
  const { status, out } = checkConfig(DEV_SSO);
  assert.equal(status, 1, out);
  for (const line of [
    'error: base_url: http://127.0.0.1:8787 is a development address (loopback): Cloudflare cannot reach it',
    'error: origin: http://127.0.0.1:9100 is a development address',
    'error: provisioning.url: http://127.0.0.1:9100/internal/sso/provision is a development address',
    'error: orgs[0].issuer: http://127.0.0.1:9000 is a development address',
    'error: orgs[1].issuer: http://127.0.0.1:9001 is a development address',
    'error: orgs[0].domains[0]: "acme.test" is a reserved test domain',
  ]) assert.ok(out.includes(line), `${line}\nin:\n${out}`);
  const dev = checkConfig(DEV_SSO, '--development');
  assert.equal(dev.status, 0, `valid for the worker itself:\n${dev.out}`);
});

test('check-config refuses the untouched production template of wrangler.toml', () => {
  const { status, out } = node('check-config.mjs', ['--env', 'production']);
  assert.equal(status, 1, out);
  assert.match(out, /error: base_url: the placeholder "https:\/\/<app\.example\.com>" is still there/);
  assert.match(out, /error: origin: the placeholder/);
});

test('check-config reports the same field-path error the worker logs for the same SSO', async (t) => {
  const cases = [
    [{ ...GOOD, orgs: [{ ...GOOD.orgs[0], issuer: 'acme.okta.com' }] }, 'orgs[0].issuer: not an absolute URL'],
    [{ ...GOOD, orgs: [{ ...GOOD.orgs[0], isuer: 'x' }] }, 'orgs[0].isuer: unknown field `isuer`, expected one of `id`, `issuer`'],
    [{ ...GOOD, branding: { product_name: 'Acme', accent_color: 'red;}' } }, 'branding.accent_color: must be a colour like #1a73e8 or #17e'],
    [{ ...GOOD, session: { idle_timeout_secs: 0 } }, 'session: timeouts must be greater than 0'],
  ];
  for (const [sso, expected] of cases) {
    const { status, out } = checkConfig(sso);
    assert.equal(status, 1, out);
    assert.ok(out.includes(`error: ${expected}`), `check-config says ${expected}:\n${out}`);
  }
  // The worker, given the first one, logs exactly that line (and answers 500).
  const worker = await startWorker({ sso: cases[0][0], healthy: false, secrets: { ACME_CLIENT_SECRET: 's' } });
  t.after(() => worker.stop());
  const { response } = await fetchText(`${worker.url}/_sso/healthz`);
  assert.equal(response.status, 500);
  await worker.waitForLog(`"reason":"${cases[0][1]}"`);
});

test('the deploy guard refuses the tracked wrangler.toml as it is (placeholders) and its development top level', () => {
  const template = node('deploy.mjs', ['--env', 'production', '--dry-run']);
  assert.equal(template.status, 1, template.out);
  assert.match(template.out, /refused: \[env\.production\] kv_namespaces SSO_CACHE: the placeholder "<KV namespace id>"/);
  assert.match(template.out, /refused: \[env\.production\] routes: the placeholder "<app\.example\.com>"/);
  assert.match(template.out, /refused: SSO: base_url: the placeholder/);
  assert.match(template.out, /nothing deployed/);

  const top = node('deploy.mjs', ['--env', '', '--dry-run']);
  assert.equal(top.status, 1, top.out);
  assert.match(top.out, /refused: the top level of wrangler\.toml is the development configuration/);
  assert.match(top.out, /refused: the top level kv_namespaces SSO_CACHE: 00000000000000000000000000000000 is the development id/);
  assert.match(top.out, /refused: SSO is not in wrangler\.toml and keep_vars is off|warning: SSO is not in wrangler\.toml/);
});

test('the deploy guard refuses a production environment carrying the development values', () => {
  const dir = scratch();
  try {
    const config = wranglerToml(dir, productionEnv({ kvId: '00000000000000000000000000000000', route: '127.0.0.1', sso: DEV_SSO }));
    const { status, out } = node('deploy.mjs', ['--config', config, '--env', 'production', '--dry-run']);
    assert.equal(status, 1, out);
    assert.match(out, /refused: \[env\.production\] kv_namespaces SSO_CACHE: 0{32} is the development id/);
    assert.match(out, /refused: \[env\.production\] routes: 127\.0\.0\.1 is a development address/);
    assert.match(out, /refused: SSO: orgs\[0\]\.issuer: http:\/\/127\.0\.0\.1:9000 is a development address/);
    assert.match(out, /refused: SSO: base_url: http:\/\/127\.0\.0\.1:8787/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the deploy guard passes a filled-in production environment through wrangler deploy --dry-run', () => {
  const dir = scratch();
  try {
    const config = wranglerToml(dir, productionEnv({ kvId: '0123456789abcdef0123456789abcdef', route: 'app.acme-corp.com', sso: GOOD }));
    const { status, out } = node('deploy.mjs', ['--config', config, '--env', 'production', '--dry-run']);
    assert.equal(status, 0, out);
    assert.match(out, /deploy: checks passed: edge-sso \(env production\), bundle [\d.]+ KiB, gzip [\d.]+ KiB/);
    assert.match(out, /dry run: nothing deployed/);
    assert.match(out, /warning: secrets not checked/);

    // On a custom domain nothing stands behind the host: without `origin` it is refused.
    const noOrigin = wranglerToml(dir, productionEnv({ kvId: '0123456789abcdef0123456789abcdef', route: 'app.acme-corp.com', sso: { ...GOOD, origin: undefined } }));
    const refused = node('deploy.mjs', ['--config', noOrigin, '--env', 'production', '--dry-run']);
    assert.equal(refused.status, 1, refused.out);
    assert.match(refused.out, /refused: SSO: origin: not set, but the worker is on a custom domain/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('deploy-check fails when a Durable Object class is not exported by the bundle or has no migration', () => {
  const dir = scratch();
  try {
    const config = wranglerToml(dir, '');
    const text = fs.readFileSync(config, 'utf8')
      .replace('class_name = "SsoState"', 'class_name = "SsoStat"')
      .replace('new_sqlite_classes = ["SessionStore", "SsoState"]', 'new_sqlite_classes = ["SessionStore"]');
    fs.writeFileSync(config, text);
    const { status, out } = node('deploy-check.mjs', ['--config', config]);
    assert.equal(status, 1, out);
    assert.match(out, /SSO_STATE is bound to SsoStat, not SsoState/);
    assert.match(out, /no migration creates the Durable Object class SsoStat/);
    assert.match(out, /wrangler deploy --dry-run refused the worker: .*not exported.*SsoStat/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('missing secrets: the session secret and every client_secret_var the configuration names', () => {
  const needed = requiredSecrets({ secrets: ['ACME_CLIENT_SECRET', 'GLOBEX_CLIENT_SECRET'] });
  assert.deepEqual(needed, ['SSO_SESSION_SECRET', 'ACME_CLIENT_SECRET', 'GLOBEX_CLIENT_SECRET']);
  assert.deepEqual(missingSecrets(needed, ['ACME_CLIENT_SECRET', 'SSO_SIGNING_KEY']), ['SSO_SESSION_SECRET', 'GLOBEX_CLIENT_SECRET']);
  assert.deepEqual(missingSecrets(needed, needed), []);
});

test('the signing key make secrets generates is one the worker uses: its kid is in /_sso/jwks.json', async (t) => {
  const run = spawnSync('cargo', ['run', '--quiet', '--locked', '--bin', 'edge-sso-deploy', '--', 'signing-key'], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
  assert.equal(run.status, 0, run.stderr);
  const jwk = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(jwk).sort(), ['alg', 'crv', 'd', 'kid', 'kty', 'use', 'x', 'y']);
  assert.equal(Buffer.from(jwk.d, 'base64url').length, 32);
  const worker = await startWorker({ sso: GOOD, secrets: { ACME_CLIENT_SECRET: 's', SSO_SIGNING_KEY: run.stdout } });
  t.after(() => worker.stop());
  const { response, body } = await fetchText(`${worker.url}/_sso/jwks.json`);
  assert.equal(response.status, 200, body);
  const { keys } = JSON.parse(body);
  assert.deepEqual(keys.map((k) => [k.kid, k.x, k.y]), [[jwk.kid, jwk.x, jwk.y]]);
  assert.ok(keys.every((k) => !('d' in k)), 'the private part is never published');
});

test('make secrets refuses the development top level and secrets it does not generate, before any network call', () => {
  const top = node('secrets.mjs', ['--env', '']);
  assert.equal(top.status, 2, top.out);
  assert.match(top.out, /top level of wrangler\.toml is the development configuration/);
  const other = node('secrets.mjs', ['--rotate', 'ACME_CLIENT_SECRET']);
  assert.equal(other.status, 2, other.out);
  assert.match(other.out, /only SSO_SESSION_SECRET and SSO_SIGNING_KEY are generated here/);
});
