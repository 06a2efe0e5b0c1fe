//! Small networking helpers shared by the end-to-end support modules: free ports,
//! a URL nobody listens on, reading request bodies, starting an `http.Server`.

import net from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1 (bind port 0, read it, close). */
export async function freePort() {
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
