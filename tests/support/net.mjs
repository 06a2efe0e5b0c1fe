//! Small networking helpers shared by the end-to-end support modules: free ports,
//! a URL nobody listens on, reading request bodies, starting an `http.Server`.

import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago and that nothing else will be handed
 * while the caller uses it (for ~15 minutes), even between stopping a server and starting
 * it again on the same port:
 * - it lies outside the kernel's ephemeral range (`ip_local_port_range`), so no outgoing
 *   connection and no `listen(0)` of any process can be given it;
 * - it is claimed with a file created exclusively in a directory every test process of
 *   every checkout on this machine shares, so two test files never pick the same one.
 * Falls back to a port the kernel picks when there is no room outside its range.
 */
export async function freePort() {
  const range = outsideEphemeralRange();
  for (let attempt = 0; range && attempt < 200; attempt += 1) {
    const port = range.low + crypto.randomInt(range.high - range.low + 1);
    if (claim(port) && (await bindable(port))) return port;
  }
  return kernelPickedPort();
}

const CLAIMS = path.join(os.tmpdir(), 'edge-sso-test-ports');
const CLAIM_MS = 15 * 60 * 1000;

/** Claims `port` for this process: false when a claim younger than CLAIM_MS exists. */
function claim(port) {
  fs.mkdirSync(CLAIMS, { recursive: true });
  const file = path.join(CLAIMS, String(port));
  try {
    fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  }
  try {
    if (Date.now() - fs.statSync(file).mtimeMs < CLAIM_MS) return false;
    // A stale claim: whoever renames it first takes the port.
    fs.renameSync(file, `${file}.${process.pid}.stale`);
    fs.rmSync(`${file}.${process.pid}.stale`, { force: true });
    fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

/** Ports 10000–65535 the kernel never hands out by itself: below or above its ephemeral range. */
function outsideEphemeralRange() {
  let low = 32768;
  let high = 60999;
  try {
    [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  } catch {
    // not Linux: the kernel's usual range
  }
  if (low - 1 - 10000 >= 1000) return { low: 10000, high: low - 1 };
  if (65535 - (high + 1) >= 1000) return { low: high + 1, high: 65535 };
  return null;
}

function bindable(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function kernelPickedPort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `http://127.0.0.1:<port>` where nothing listens (connection refused). */
export async function unreachableUrl(path = '') {
  return `http://127.0.0.1:${await freePort()}${path}`;
}

/** The whole body of an incoming request, as a Buffer. */
export async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Starts `server` on `port` (default: a free one) of 127.0.0.1 and returns `{ port, url, close() }`.
 * `close()` also drops keep-alive and hanging connections, so it never waits.
 */
export async function listen(server, port = 0) {
  const sockets = new Set();
  const track = (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  server.on('connection', track);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address().port;
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise((resolve) => {
        server.off('connection', track);
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe()` until it returns a truthy value or `timeoutMs` passes (then throws). */
export async function waitFor(probe, { timeoutMs = 10_000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

/**
 * `fetch` whose whole exchange (headers and body) must finish within `ms`; answers
 * `{ response, body }` (body as text). The deadline is an ordinary timer, so it fires
 * even where an `AbortSignal.timeout` would not.
 */
export async function fetchText(url, init = {}, ms = 10_000) {
  const controller = new AbortController();
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no complete answer from ${init.method ?? 'GET'} ${url} within ${ms} ms`));
    }, ms);
  });
  const exchange = (async () => {
    const response = await fetch(url, { ...init, signal: controller.signal });
    return { response, body: await response.text() };
  })();
  exchange.catch(() => {}); // the deadline may have won
  try {
    return await Promise.race([exchange, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
