//! What the browser test needs around tests/support/: Debian's Chromium launched through
//! playwright-core, the demo origin (dev/origin/server.mjs) on a free port, and the whole
//! `make dev`-style stack (acme dev IdP, demo origin, worker) on free ports.

import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { freePort, sleep } from '../support/net.mjs';
import { spawnGroup } from '../support/process-group.mjs';
import { repoRoot, startWorker, tmpRoot } from '../support/worker.mjs';
import { startDevIdp } from '../support/dev-idp.mjs';

/** Debian's Chromium (tests/browser/install-chromium.sh installs it). */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * The flags that work on these machines (../shared/toolchain.md): headless, no sandbox as
 * root, and no background networking, which would flood the closed network.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium with exactly `CHROMIUM_FLAGS` and a new empty `--user-data-dir`
 * (playwright-core's own default flags are left out; it only needs its pipe). Answers
 * `{ browser, close() }`; `close()` also removes the profile.
 */
export async function launchChromium() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run \`bash tests/browser/install-chromium.sh\` (as root)`);
  }
  fs.mkdirSync(tmpRoot, { recursive: true });
  const profile = fs.mkdtempSync(path.join(tmpRoot, 'chromium-profile-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs: true,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank'],
    timeout: 30_000,
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Starts the demo origin (dev/origin/server.mjs) on a free port, trusting assertions of
 * `worker`, with its provisioned users in a fresh scratch directory.
 * Answers `{ url, provisionUrl, logs(), stop() }`.
 */
export async function startDemoOrigin({ worker, timeoutMs = 60_000 }) {
  const port = await freePort();
  fs.mkdirSync(tmpRoot, { recursive: true });
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'origin-'));
  const script = path.join(repoRoot, 'dev', 'origin', 'server.mjs');
  const args = [script, '--port', String(port), '--host', '127.0.0.1', '--worker', worker, '--data-dir', path.join(dir, 'data')];
  const group = spawnGroup(process.execPath, args, { cwd: repoRoot, logFile: path.join(dir, 'origin.log'), env: { ...process.env, NO_COLOR: '1' } });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await group.stop();
    if (!process.env.E2E_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!group.alive) {
      await stop();
      throw new Error(`demo origin exited before it was ready; its output:\n${group.logs()}`);
    }
    try {
      const response = await fetch(`${url}/api/users`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`demo origin at ${url} not ready within ${timeoutMs} ms; output:\n${group.logs()}`);
    }
    await sleep(100);
  }
  return { url, port, provisionUrl: `${url}/internal/sso/provision`, logs: group.logs, stop };
}

/**
 * The `make dev` stack on free ports: the acme and globex dev IdPs and the demo origin, all
 * pointing at a worker whose port is chosen first, then the worker configured like
 * .dev.vars' SSO config but with these URLs, and `branding` and the other `sso` members when given. (Two orgs, as in `make dev`: with a
 * single org the worker skips the discovery form and goes straight to its IdP.) Whatever
 * started is stopped again if a later piece fails.
 * Answers `{ worker, idp (acme's), idps: { acme, globex }, origin, stop() }`.
 */
export async function startDevStack({ branding, sso = {} } = {}) {
  const workerPort = await freePort();
  const workerUrl = `http://127.0.0.1:${workerPort}`;
  const started = [];
  const stopAll = () => Promise.allSettled(started.map((s) => s.stop()));
  try {
    const track = (s) => (started.push(s), s);
    const [acme, globex, origin] = await Promise.all([
      startDevIdp({ org: 'acme', worker: workerUrl }).then(track),
      startDevIdp({ org: 'globex', worker: workerUrl, authMethod: 'client_secret_post' }).then(track),
      startDemoOrigin({ worker: workerUrl }).then(track),
    ]);
    const worker = await startWorker({
      port: workerPort,
      sso: {
        base_url: workerUrl,
        origin: origin.url,
        public_paths: ['/public/'],
        provisioning: { url: origin.provisionUrl, timeout_ms: 5000 },
        ...(branding ? { branding } : {}),
        ...sso,
        orgs: [{
          id: 'acme',
          issuer: acme.issuer,
          client_id: acme.clientId,
          client_secret_var: 'ACME_CLIENT_SECRET',
          domains: ['acme.test'],
          default_projects: ['onboarding', 'acme-handbook'],
        }, {
          id: 'globex',
          issuer: globex.issuer,
          client_id: globex.clientId,
          client_secret_var: 'GLOBEX_CLIENT_SECRET',
          token_endpoint_auth_method: 'client_secret_post',
          domains: ['globex.test'],
          default_projects: ['onboarding'],
        }],
      },
      secrets: {
        SSO_SESSION_SECRET: 'browser-test-session-secret-0123456789abcdef0123',
        ACME_CLIENT_SECRET: acme.clientSecret,
        GLOBEX_CLIENT_SECRET: globex.clientSecret,
      },
    });
    started.push(worker);
    return { worker, idp: acme, idps: { acme, globex }, origin, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The directory holding the dev IdP's signing key (`<dir>/acme-keys.json`), which
 * `universalLogoutRequest` signs with. tests/support/dev-idp.mjs keeps it in a scratch
 * directory it does not report (yet: `idp.dataDir` is used when it does), so the key is
 * found among the scratch directories by its `kid`, which the IdP publishes.
 */
export async function idpDataDir(idp) {
  if (idp.dataDir) return idp.dataDir;
  const published = await (await fetch(idp.discovery.jwks_uri)).json();
  const kids = new Set(published.keys.map((k) => k.kid));
  for (const entry of fs.readdirSync(tmpRoot)) {
    if (!entry.startsWith(`idp-${idp.org}-`)) continue;
    const dataDir = path.join(tmpRoot, entry, 'data');
    try {
      const keys = JSON.parse(fs.readFileSync(path.join(dataDir, `${idp.org}-keys.json`), 'utf8'));
      if (keys.keys.some((k) => kids.has(k.kid))) return dataDir;
    } catch {
      // another run's directory, half written or already removed
    }
  }
  throw new Error(`no key file under ${tmpRoot} matches the ${idp.org} IdP's JWKS`);
}

/**
 * Steps of one story, run in order as subtests of `t`: after a failure the rest are skipped
 * (the story's test fails with the first error), and `diagnose(error, stepName)` may attach
 * what shows the cause (the failing page, the servers' output) to the error it rethrows.
 */
export function orderedSteps(t, diagnose) {
  let failed = false;
  return (name, fn) =>
    t.test(name, failed ? { skip: 'an earlier step failed' } : {}, async () => {
      try {
        await fn();
      } catch (error) {
        failed = true;
        throw await diagnose(error, name);
      }
    });
}
