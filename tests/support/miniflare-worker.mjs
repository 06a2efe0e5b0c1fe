//! Runs one built worker in workerd through Miniflare, the runtime `wrangler dev` itself
//! uses, but without wrangler's dev proxy in front (one workerd process, no file
//! watching, no reloads): `node miniflare-worker.mjs <wrangler.json> <port> <persist dir>`.
//! The worker's bindings, Durable Object classes and SQLite migrations come from the
//! wrangler config through wrangler's own translation (`unstable_getMiniflareWorkerOptions`).
//! Prints `Ready on <url>` when it serves; stops on SIGTERM/SIGINT.

import path from 'node:path';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';

const [configPath, port, persistRoot] = process.argv.slice(2);
if (!configPath || !port || !persistRoot) {
  console.error('usage: miniflare-worker.mjs <wrangler.json> <port> <persist dir>');
  process.exit(2);
}

const { workerOptions, main } = unstable_getMiniflareWorkerOptions(configPath);
const scriptPath = path.resolve(path.dirname(configPath), main);
const mf = new Miniflare({
  ...workerOptions,
  name: 'edge-sso',
  modules: true,
  scriptPath,
  modulesRoot: path.dirname(scriptPath),
  host: '127.0.0.1',
  port: Number(port),
  defaultPersistRoot: persistRoot,
  cf: false,
  log: new Log(LogLevel.WARN),
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await mf.dispose();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

try {
  const url = await mf.ready;
  console.log(`Ready on ${url.href.replace(/\/$/, '')}`);
} catch (error) {
  console.error(`miniflare: the worker did not start: ${error.stack ?? error}`);
  process.exit(1);
}
