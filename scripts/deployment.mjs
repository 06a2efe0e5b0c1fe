// What a deployment of edge-sso is made of, and the checks on it before anything is
// uploaded: the wrangler environment (through wrangler's own config reader), the `SSO`
// value (through `edge-sso-deploy check-config`, the worker's own parser built natively),
// the secrets, and `wrangler deploy --dry-run` (bundle, bindings, migrations, size).
// Used by check-config.mjs, deploy.mjs, deploy-check.mjs and secrets.mjs.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Cloudflare's limit on a Worker's compressed size on the Free plan (3 MB, read strictly). */
export const FREE_PLAN_GZIP_LIMIT = 3_000_000;

/** The Durable Object bindings and KV namespace the worker needs. */
export const REQUIRED_DURABLE_OBJECTS = { SSO_SESSIONS: 'SessionStore', SSO_STATE: 'SsoState' };
export const CACHE_BINDING = 'SSO_CACHE';

/** The wrangler binary (`WRANGLER` overrides, e.g. a global install). */
export const wrangler = process.env.WRANGLER || path.join(repoRoot, 'node_modules', '.bin', 'wrangler');

const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' };

/** `<…>`: a template placeholder (the same rule as `config::production::is_placeholder`). */
export const isPlaceholder = (text) => typeof text === 'string' && /<[\s\S]*>/.test(text);

/**
 * The resolved configuration of `env` (`''`: the top level) in `config`, as wrangler
 * will deploy it.
 */
export async function readEnvironment({ config = path.join(repoRoot, 'wrangler.toml'), env = 'production' } = {}) {
  const { unstable_readConfig } = await import('wrangler');
  return unstable_readConfig({ config, env: env || undefined }, { hideWarnings: true });
}

/** The `SSO` value of a resolved environment as JSON text, or `undefined`. */
export function ssoOf(environment) {
  const sso = environment.vars?.SSO;
  if (sso === undefined) return undefined;
  return typeof sso === 'string' ? sso : JSON.stringify(sso);
}

/**
 * Runs `edge-sso-deploy check-config --json` on `sso` (the worker's own parser, native).
 * `production`: also refuse placeholders and development addresses. `secrets`: the names
 * that exist (otherwise every named one is assumed to). Answers its verdict
 * `{ ok, errors: [{path, problem}], warnings, orgs, secrets, base_url, origin }`.
 */
export function checkSso(sso, { production = true, secrets } = {}) {
  const args = ['check-config', '--json'];
  if (production) args.push('--production');
  if (secrets) args.push('--secrets', secrets.join(','));
  const run = deployTool(args, { input: sso });
  if (run.status !== 0 && run.status !== 1) {
    throw new Error(`edge-sso-deploy check-config failed (status ${run.status}): ${run.stderr}`);
  }
  return JSON.parse(run.stdout);
}

/** Runs the native `edge-sso-deploy` tool (built by cargo on first use). */
export function deployTool(args, { input } = {}) {
  const run = spawnSync('cargo', ['run', '--quiet', '--locked', '--bin', 'edge-sso-deploy', '--', ...args], {
    cwd: repoRoot,
    input,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.error) throw new Error(`cannot run cargo (needed to build edge-sso-deploy): ${run.error.message}`);
  return run;
}

/** Runs wrangler with `args`; answers `{ status, stdout, stderr, output }` (colours off). */
export function runWrangler(args, { input } = {}) {
  const run = spawnSync(wrangler, args, { cwd: repoRoot, input, encoding: 'utf8', env: wranglerEnv, maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw new Error(`cannot run ${wrangler}: ${run.error.message} (run \`bash scripts/bootstrap.sh\`)`);
  const strip = (s) => (s ?? '').replace(/\x1b\[[0-9;]*m/g, '');
  return { status: run.status, stdout: strip(run.stdout), stderr: strip(run.stderr), output: strip(run.stdout) + strip(run.stderr) };
}

/**
 * What makes a resolved environment undeployable, before its `SSO` is looked at:
 * the development top level, KV ids, bindings, migrations, routes. Each problem is a line.
 */
export function environmentProblems(environment, env) {
  const problems = [];
  if (!env) {
    problems.push('the top level of wrangler.toml is the development configuration: deploy an environment (DEPLOY_ENV=production)');
  }
  const where = env ? `[env.${env}]` : 'the top level';
  const kv = (environment.kv_namespaces ?? []).find((k) => k.binding === CACHE_BINDING);
  if (!kv) {
    problems.push(`${where}: no KV namespace bound as ${CACHE_BINDING}`);
  } else if (isPlaceholder(kv.id)) {
    problems.push(`${where} kv_namespaces ${CACHE_BINDING}: the placeholder ${JSON.stringify(kv.id)} is still there: \`npx wrangler kv namespace create ${CACHE_BINDING}\` prints the id to put there`);
  } else if (/^0+$/.test(kv.id ?? '')) {
    problems.push(`${where} kv_namespaces ${CACHE_BINDING}: ${kv.id} is the development id, not a namespace of your account`);
  } else if (!/^[0-9a-f]{32}$/.test(kv.id ?? '')) {
    problems.push(`${where} kv_namespaces ${CACHE_BINDING}: ${JSON.stringify(kv.id)} is not a KV namespace id (32 hex digits)`);
  }
  problems.push(...bindingProblems(environment, where));
  const routes = [...(environment.routes ?? []), ...(environment.route ? [environment.route] : [])];
  for (const route of routes) {
    const pattern = typeof route === 'string' ? route : route.pattern;
    if (isPlaceholder(pattern)) problems.push(`${where} routes: the placeholder ${JSON.stringify(pattern)} is still there: your host name`);
    else if (/(^|\/\/|\.)(localhost|127\.0\.0\.1)(:|\/|$)/.test(pattern)) problems.push(`${where} routes: ${pattern} is a development address`);
  }
  if (env && routes.length === 0 && !environment.workers_dev) {
    problems.push(`${where}: no route, no custom domain and workers_dev = false: the worker would answer nowhere`);
  }
  return problems;
}

/** Durable Object bindings and the migrations that create their classes. */
export function bindingProblems(environment, where = 'wrangler.toml') {
  const problems = [];
  const bindings = environment.durable_objects?.bindings ?? [];
  for (const [name, className] of Object.entries(REQUIRED_DURABLE_OBJECTS)) {
    const binding = bindings.find((b) => b.name === name);
    if (!binding) problems.push(`${where}: no Durable Object binding ${name} (class ${className})`);
    else if (binding.class_name !== className) problems.push(`${where}: ${name} is bound to ${binding.class_name}, not ${className}`);
  }
  const created = new Set((environment.migrations ?? []).flatMap((m) => [...(m.new_sqlite_classes ?? []), ...(m.new_classes ?? []), ...(m.renamed_classes ?? []).map((r) => r.to)]));
  const sqlite = new Set((environment.migrations ?? []).flatMap((m) => m.new_sqlite_classes ?? []));
  for (const b of bindings) {
    if (b.script_name) continue;
    if (!created.has(b.class_name)) problems.push(`${where}: no migration creates the Durable Object class ${b.class_name} (add a [[migrations]] tag with new_sqlite_classes)`);
    else if (!sqlite.has(b.class_name)) problems.push(`${where}: ${b.class_name} must be SQLite-backed (new_sqlite_classes)`);
  }
  return problems;
}

/** The secrets a deployment needs: the session secret and each `client_secret_var`. */
export const requiredSecrets = (verdict) => ['SSO_SESSION_SECRET', ...new Set(verdict?.secrets ?? [])];

/** The names in `required` that are not in `present`. */
export const missingSecrets = (required, present) => required.filter((name) => !present.includes(name));

/**
 * The names of the Worker secrets of `env` (network: needs `wrangler login`); none for a
 * worker that does not exist yet (`wrangler secret put` creates it).
 */
export function secretNames({ config, env }) {
  const run = runWrangler(['secret', 'list', '--format', 'json', '--config', config, ...(env ? ['--env', env] : [])]);
  if (run.status !== 0 && /\b10007\b|does not exist|not found/i.test(run.output)) return [];
  if (run.status !== 0) {
    throw new Error(`\`wrangler secret list\` failed (are you logged in? \`npx wrangler login\`): ${wranglerError(run.output)}`);
  }
  const start = run.stdout.indexOf('[');
  return JSON.parse(run.stdout.slice(start)).map((s) => s.name);
}

/**
 * `wrangler deploy --dry-run --outdir <dir>` of `env`: no network, no account. Answers
 * `{ ok, output, problems, gzipBytes, rawBytes, bindings }`: problems if wrangler refused the
 * bundle (e.g. a Durable Object class not exported), a required binding is missing from
 * what it would upload, or the compressed size is over the Free plan's limit.
 */
export function dryRun({ config, env, outdir }) {
  fs.rmSync(outdir, { recursive: true, force: true });
  const run = runWrangler(['deploy', '--dry-run', '--outdir', outdir, '--config', config, ...(env ? ['--env', env] : [])]);
  const problems = [];
  const output = run.output;
  if (run.status !== 0 || /\[ERROR\]|✘/.test(output) || !/--dry-run: exiting now/.test(output)) {
    const lines = output.split('\n').filter((l) => /ERROR|✘|error/i.test(l)).map((l) => l.trim());
    problems.push(`wrangler deploy --dry-run refused the worker: ${lines.join(' ') || output.trim().slice(-500)}`);
  }
  const bindings = [...output.matchAll(/env\.([A-Z0-9_]+) \(([^)]*)\)/g)].map(([, name, resource]) => ({ name, resource }));
  for (const [name, className] of Object.entries(REQUIRED_DURABLE_OBJECTS)) {
    if (!bindings.some((b) => b.name === name && b.resource === className)) problems.push(`the bundle would not bind ${name} to ${className}`);
  }
  if (!bindings.some((b) => b.name === CACHE_BINDING)) problems.push(`the bundle would not bind ${CACHE_BINDING}`);
  let rawBytes = 0;
  let gzipBytes = 0;
  const files = fs.existsSync(outdir) ? fs.readdirSync(outdir).filter((f) => f.endsWith('.js') || f.endsWith('.wasm')) : [];
  for (const file of files) {
    const body = fs.readFileSync(path.join(outdir, file));
    rawBytes += body.length;
    gzipBytes += zlib.gzipSync(body, { level: 9 }).length;
  }
  const reported = output.match(/gzip: ([\d.]+) KiB/);
  if (reported) gzipBytes = Math.max(gzipBytes, Math.round(Number(reported[1]) * 1024));
  if (!files.some((f) => f.endsWith('.wasm'))) problems.push(`no .wasm in ${outdir}: is build/ a worker-build output? (make build)`);
  if (gzipBytes > FREE_PLAN_GZIP_LIMIT) {
    problems.push(`the compressed worker is ${kib(gzipBytes)}, over the Free plan's 3 MB (${FREE_PLAN_GZIP_LIMIT} bytes)`);
  }
  return { ok: problems.length === 0, output, problems, gzipBytes, rawBytes, bindings };
}

/** The `[ERROR]` lines of wrangler's output, else its last lines. */
export function wranglerError(output) {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => /\[ERROR\]|✘/.test(l));
  return (errors.length ? errors : lines.slice(-3)).join(' ');
}

export const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/** `--name value` and `--flag` arguments into an object; the rest as `positional`. */
export function parseArgs(argv, { flags = [], repeatable = [] } = {}) {
  const out = { positional: [] };
  for (const r of repeatable) out[r] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      out.positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s);
    if (flags.includes(name)) {
      out[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    if (repeatable.includes(name)) out[name].push(value);
    else out[name] = value;
  }
  return out;
}
