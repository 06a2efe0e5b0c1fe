//! Starts the development OpenID provider (dev/idp/server.mjs) for one org on a free
//! port, in its own process group, with its data (signing key) in a scratch directory.

import fs from 'node:fs';
import path from 'node:path';
import { fetchText, freePort, sleep } from './net.mjs';
import { spawnGroup } from './process-group.mjs';
import { repoRoot, tmpRoot } from './worker.mjs';

export { DEV_PASSWORD } from './browser.mjs';

/**
 * `startDevIdp({ org = 'acme', worker, port, authMethod, timeoutMs })` →
 * `{ url, issuer, port, org, clientId, clientSecret, discovery, logs(), waitForLog(re), stop() }`.
 * `worker` is the worker's base URL (the IdP registers its callback, post-logout and
 * back-channel URIs under it). `clientId`/`clientSecret` are the dev IdP's defaults for
 * the org (`edge-sso-<org>` / `<org>-dev-secret`).
 */
export async function startDevIdp({ org = 'acme', worker, port, authMethod, timeoutMs = 60_000 } = {}) {
  const script = path.join(repoRoot, 'dev', 'idp', 'server.mjs');
  if (!fs.existsSync(script)) throw new Error(`${script} does not exist yet`);
  port ??= await freePort();
  fs.mkdirSync(tmpRoot, { recursive: true });
  const dir = fs.mkdtempSync(path.join(tmpRoot, `idp-${org}-`));
  const args = [script, '--org', org, '--port', String(port), '--host', '127.0.0.1', '--data-dir', path.join(dir, 'data')];
  if (worker) args.push('--worker', worker);
  if (authMethod) args.push('--auth-method', authMethod);
  const group = spawnGroup(process.execPath, args, { cwd: repoRoot, logFile: path.join(dir, 'idp.log'), env: { ...process.env, NO_COLOR: '1' } });
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + timeoutMs;
  let discovery;
  let last = 'no answer yet';
  while (!discovery) {
    if (!group.alive) {
      throw new Error(`dev IdP exited before it was ready; its output:\n${group.logs()}`);
    }
    if (Date.now() > deadline) {
      await group.stop();
      throw new Error(`dev IdP at ${url} not ready within ${timeoutMs} ms (${last}); output:\n${group.logs()}`);
    }
    try {
      const { response, body } = await fetchText(`${url}/.well-known/openid-configuration`, {}, 5000);
      if (response.ok) discovery = JSON.parse(body);
      else last = `status ${response.status}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
      await sleep(100);
    }
  }
  return {
    url,
    port,
    org,
    issuer: discovery.issuer,
    discovery,
    clientId: `edge-sso-${org}`,
    clientSecret: `${org}-dev-secret`,
    dataDir: path.join(dir, 'data'),
    logs: group.logs,
    async waitForLog(re, ms = 5000) {
      const end = Date.now() + ms;
      for (;;) {
        const match = group.logs().match(re);
        if (match) return match;
        if (Date.now() > end) throw new Error(`dev IdP output never matched ${re}; output:\n${group.logs()}`);
        await sleep(50);
      }
    },
    async stop() {
      await group.stop();
      if (!process.env.E2E_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
