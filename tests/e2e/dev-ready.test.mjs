// scripts/dev-ready.mjs, which decides when `make dev` is ready: a process is ready only when
// it answers a request (an open port is not enough), a held request does not stall the wait,
// and a process that exited or never answers is named.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { repoRoot } from '../support/worker.mjs';
import { listen } from '../support/net.mjs';

const SCRIPT = path.join(repoRoot, 'scripts', 'dev-ready.mjs');
const servers = [];
after(async () => {
  for (const server of servers) await server.close();
});

/** Runs dev-ready.mjs to its end: `{ status, output }`. */
function devReady(...args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.once('exit', (status) => resolve({ status, output }));
  });
}

async function serve(handler) {
  const server = await listen(http.createServer(handler));
  servers.push(server);
  return server;
}

test('ready when every URL answers: 200, or any answer below 500 for #any', async () => {
  const ok = await serve((req, res) => res.end('ok'));
  const notFound = await serve((req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const { status, output } = await devReady('--timeout-secs', '10', `a=${process.pid}=${ok.url}/`, `b=${process.pid}=${notFound.url}/#any`);
  assert.equal(status, 0, output);
  assert.match(output, /dev: \[a\] ready after/);
  assert.match(output, /dev: \[b\] ready after/);
});

test('an open port that holds every request is not ready; the wait ends naming it', async () => {
  const sockets = [];
  const holder = net.createServer((socket) => sockets.push(socket)); // accepts, never answers
  const held = await listen(holder);
  servers.push({ close: async () => { sockets.forEach((s) => s.destroy()); await held.close(); } });
  const { status, output } = await devReady('--timeout-secs', '2', `worker=${process.pid}=${held.url}/_sso/healthz`);
  assert.equal(status, 1, output);
  assert.match(output, /not ready within 2 s: \[worker\] .*no answer within 3 s/);
  assert.match(output, new RegExp(`pid ${process.pid} state [RS], CPU \\d+\\.\\d s, threads \\d+×`), 'what the silent process is doing, from /proc');
});

test('a 5xx or a non-200 is not ready for a URL without #any', async () => {
  const failing = await serve((req, res) => {
    res.statusCode = 503;
    res.end();
  });
  const { status, output } = await devReady('--timeout-secs', '1', `acme=${process.pid}=${failing.url}/.well-known/openid-configuration`);
  assert.equal(status, 1, output);
  assert.match(output, /\[acme\] .*status 503/);
});

test('a process that exited is named at once', async () => {
  const gone = spawnSync(process.execPath, ['-e', 'process.pid']).pid; // ran and was reaped
  const started = Date.now();
  const { status, output } = await devReady('--timeout-secs', '30', `globex=${gone}=http://127.0.0.1:1/`);
  assert.equal(status, 1, output);
  assert.match(output, /\[globex\] exited before the stack was ready/);
  assert.ok(Date.now() - started < 10_000, 'without waiting for the timeout');
});
