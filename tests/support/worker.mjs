//! Starts the built worker (`build/entry.js`) in workerd, through Miniflare (the runtime
//! of `wrangler dev`, without its dev proxy and file watching: see miniflare-worker.mjs),
//! with a generated configuration: the bindings, migrations and compatibility date of
//! wrangler.toml, and the `SSO` variable and secrets a test chooses. One fresh directory
//! (config, state, log) under tests/.tmp per worker.

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { fetchText, freePort, sleep } from './net.mjs';
import { spawnGroup } from './process-group.mjs';

/** The repository root (two levels above this file). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Where per-run scratch directories live (git-ignored). */
export const tmpRoot = path.join(repoRoot, 'tests', '.tmp');

/** The session secret every worker gets unless a test says otherwise (48 bytes). */
export const defaultSessionSecret = 'e2e-session-secret-0123456789abcdef0123456789abcd';

/**
 * Starts a worker.
 *
 * - `sso`: the configuration: an object (its `base_url` is filled with the worker's URL
 *   when absent), a function `(url) => object | string`, or a raw string (used as is,
 *   e.g. invalid JSON). `undefined` leaves the variable out.
 * - `ssoAs`: `'string'` (default; the JSON text, as from .dev.vars) or `'object'`
 *   (a JSON binding, as from `[vars.SSO]`).
 * - `secrets`: extra string bindings; `SSO_SESSION_SECRET` defaults to
 *   `defaultSessionSecret`, and a value of `null`/`undefined` leaves that name out.
 * - `vars`: more bindings, added last.
 * - `main`: the worker's entry module (default `$E2E_WORKER_MAIN`, else `<repo>/build/entry.js`).
 * - `port`: the port to use (default: a free one), for configs that need it up front.
 * - `healthy`: wait for `/_sso/healthz` to answer 200 (default) or any status (`false`,
 *   for deliberately broken configurations).
 * - `state`: the directory of the worker's Durable Object and KV data (default: a fresh
 *   one inside the worker's directory, removed by `stop()`); give two workers, one after
 *   the other, the same directory to restart a worker with its sessions.
 * - `dropBindings`: names of wrangler.toml bindings (Durable Objects, KV, …) to leave out
 *   of the generated config, e.g. `['SSO_SESSIONS']` to simulate a Durable Object failure
 *   (default: none; the classes and migrations stay).
 *
 * - `countObjectCalls`: run the worker behind tests/support/counting-entry.mjs (a copy
 *   of the built worker with its Durable Object namespaces wrapped); the handle then has
 *   `objectCalls()` (every call since the last `resetObjectCalls()`, `{ binding, name }`),
 *   `objectCallMethods()` (how many of them were made through each stub method since the
 *   reset, e.g. `{ call: 3 }`: `call` is the RPC method, `fetch` an HTTP request) and
 *   `failObjects(names)` (those objects become unreachable; `[]` heals them).
 *
 * Returns `{ url, port, dir, stateDir, logs(), waitForLog(re), stop() }`.
 */
export async function startWorker({
  sso,
  ssoAs = 'string',
  secrets = {},
  vars = {},
  main = process.env.E2E_WORKER_MAIN || path.join(repoRoot, 'build', 'entry.js'),
  port,
  healthy = true,
  timeoutMs = 60_000,
  dropBindings = [],
  state,
  countObjectCalls = false,
} = {}) {
  main = path.resolve(main);
  if (!fs.existsSync(main)) {
    throw new Error(`worker script ${main} does not exist: run \`make build\` first`);
  }
  // A port picked here was free a moment ago, but another process may take it before
  // workerd binds it: then the worker exits with ERR_ADDRESS_IN_USE and starts again on
  // another port. A port the caller chose is the caller's to keep.
  const pickPort = port === undefined;
  for (let attempt = 1; ; attempt += 1) {
    const chosen = pickPort ? await freePort() : port;
    try {
      return await startOnPort({ sso, ssoAs, secrets, vars, main, port: chosen, healthy, timeoutMs, dropBindings, state, countObjectCalls });
    } catch (error) {
      if (!(pickPort && attempt < 3 && error instanceof PortTaken)) throw error;
    }
  }
}

/** The port was taken by another process before workerd could bind it. */
class PortTaken extends Error {}

async function startOnPort({ sso, ssoAs, secrets, vars, main, port, healthy, timeoutMs, dropBindings, state, countObjectCalls }) {
  const url = `http://127.0.0.1:${port}`;

  fs.mkdirSync(tmpRoot, { recursive: true });
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'worker-'));
  if (countObjectCalls) main = countingCopy(main, dir);
  const config = {
    ...withoutBindings(await baseConfig(), dropBindings),
    main,
    vars: buildVars({ sso: resolveSso(sso, url), ssoAs, secrets, vars }),
  };
  const configPath = path.join(dir, 'wrangler.json');
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));

  const runner = fileURLToPath(new URL('./miniflare-worker.mjs', import.meta.url));
  const stateDir = state ? path.resolve(state) : path.join(dir, 'state');
  const group = spawnGroup(process.execPath, [runner, configPath, String(port), stateDir], {
    cwd: dir,
    logFile: path.join(dir, 'worker.log'),
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' },
  });

  const testRoute = `${url}/__test/object-calls`;
  const handle = {
    url,
    port,
    dir,
    stateDir,
    logs: group.logs,
    objectCalls: async () => (await (await fetch(testRoute)).json()).calls,
    objectCallMethods: async () => (await (await fetch(testRoute)).json()).methods,
    resetObjectCalls: async () => void (await fetch(testRoute, { method: 'DELETE' })),
    failObjects: async (names) => void (await fetch(testRoute, { method: 'POST', body: JSON.stringify({ fail: names }) })),
    /** Waits until the captured output matches `re` (string or RegExp); returns the match. */
    waitForLog: (re, ms = 5000) => waitForOutput(group, re, ms),
    stop: async () => {
      await group.stop();
      if (!process.env.E2E_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitReady(url, group, { healthy, timeoutMs });
  } catch (error) {
    await group.stop();
    throw error;
  }
  return handle;
}

/** A copy of the built worker's files in `dir`, with the counting entry as its main module. */
function countingCopy(main, dir) {
  const copy = path.join(dir, 'main');
  fs.mkdirSync(copy);
  const from = path.dirname(main);
  // Every `.js` module becomes `.mjs` (next to an `.mjs` entry, Miniflare would read a
  // `.js` module as CommonJS), and the imports between them follow.
  const renamed = (name) => name.replace(/\.js$/, '.mjs');
  for (const name of fs.readdirSync(from)) {
    const source = path.join(from, name);
    if (!fs.statSync(source).isFile()) continue;
    if (name.endsWith('.js')) {
      const text = fs.readFileSync(source, 'utf8').replace(/(from\s*)(['"])\.\/([\w.-]+)\.js\2/g, '$1$2./$3.mjs$2');
      fs.writeFileSync(path.join(copy, renamed(name)), text);
    } else {
      fs.copyFileSync(source, path.join(copy, name));
    }
  }
  const entry = fs.readFileSync(fileURLToPath(new URL('./counting-entry.mjs', import.meta.url)), 'utf8');
  fs.writeFileSync(path.join(copy, 'counting-entry.mjs'), entry.replaceAll("'./index.js'", `'./${renamed(path.basename(main))}'`));
  return path.join(copy, 'counting-entry.mjs');
}

/** The non-`vars` part of wrangler.toml, read once per process through wrangler's own parser. */
let baseConfigPromise;
function baseConfig() {
  baseConfigPromise ??= (async () => {
    const { experimental_readRawConfig } = await import('wrangler');
    const { rawConfig } = experimental_readRawConfig({ config: path.join(repoRoot, 'wrangler.toml') });
    // `build` could run `make build` on every start; `vars` are the test's; the dev
    // section's ports are replaced on the command line; `env` holds the production
    // template, which tests never use.
    const { build, vars, dev, main, env, ...rest } = rawConfig;
    return rest;
  })();
  return baseConfigPromise;
}

/** `config` without the bindings called one of `names` (the config itself is not changed). */
function withoutBindings(config, names) {
  if (!names?.length) return config;
  const drop = new Set(names);
  const keep = (list) => list.filter((b) => !drop.has(b.binding ?? b.name));
  const out = { ...config };
  if (Array.isArray(out.durable_objects?.bindings)) {
    out.durable_objects = { ...out.durable_objects, bindings: keep(out.durable_objects.bindings) };
  }
  for (const key of ['kv_namespaces', 'r2_buckets', 'd1_databases', 'services', 'vectorize', 'hyperdrive']) {
    if (Array.isArray(out[key])) out[key] = keep(out[key]);
  }
  return out;
}

function resolveSso(sso, url) {
  if (typeof sso === 'function') sso = sso(url);
  if (sso && typeof sso === 'object' && !('base_url' in sso)) sso = { base_url: url, ...sso };
  return sso;
}

function buildVars({ sso, ssoAs, secrets, vars }) {
  const out = {};
  if (sso !== undefined) {
    out.SSO = typeof sso === 'string' || ssoAs === 'object' ? sso : JSON.stringify(sso);
  }
  const all = { SSO_SESSION_SECRET: defaultSessionSecret, ...secrets, ...vars };
  for (const [name, value] of Object.entries(all)) {
    if (value !== undefined && value !== null) out[name] = value;
  }
  return out;
}

async function waitReady(url, group, { healthy, timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!group.alive) {
      await sleep(200); // its last output may still be in the pipe
      if (/ERR_ADDRESS_IN_USE/.test(group.logs())) throw new PortTaken(`${url} was taken by another process`);
      throw new Error(`the worker exited before ${url} was ready; its output:\n${group.logs()}`);
    }
    // Only our own worker's answers count: until it says it serves (it bound the port),
    // whatever answers on the port is someone else.
    if (!group.logs().includes(`Ready on ${url}`)) {
      await sleep(50);
      continue;
    }
    try {
      // The first request may compile the wasm: give it time.
      const { response, body } = await fetchText(`${url}/_sso/healthz`, {}, 10_000);
      if (!healthy || response.status === 200) return;
      last = `status ${response.status}: ${body.slice(0, 200)}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await sleep(150);
  }
  throw new Error(`worker at ${url} not ready within ${timeoutMs} ms (${last}); its output:\n${group.logs()}`);
}

async function waitForOutput(group, re, ms) {
  const pattern = typeof re === 'string' ? new RegExp(re.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : re;
  const deadline = Date.now() + ms;
  for (;;) {
    const match = group.logs().match(pattern);
    if (match) return match;
    if (Date.now() > deadline) {
      throw new Error(`worker output never matched ${pattern}; output:\n${group.logs()}`);
    }
    await sleep(50);
  }
}

/** A random secret of `bytes` bytes, base64url (for client secrets and the like). */
export const randomSecret = (bytes = 32) => crypto.randomBytes(bytes).toString('base64url');
