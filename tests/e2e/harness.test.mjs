// The harness itself: a worker is ready only when its own workerd serves. Another server
// that took the port first (a race between picking a free port and workerd binding it)
// must never pass for the worker.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startWorker } from '../support/worker.mjs';
import { listen } from '../support/net.mjs';

let impostor;
after(() => impostor?.close());

test('startWorker on a port another server holds fails, even when any answer would do', async () => {
  impostor = await listen(
    http.createServer((req, res) => {
      res.statusCode = 404;
      res.end();
    }),
  );
  const sso = { orgs: [{ id: 'acme', issuer: 'https://acme.example.com', client_id: 'c', client_secret: 's', domains: ['acme.test'] }] };
  await assert.rejects(startWorker({ sso, port: impostor.port, healthy: false }), /taken by another process/);
});

test('a worker on a port picked for it answers as itself, and its Ready line names that URL', async () => {
  const sso = { orgs: [{ id: 'acme', issuer: 'https://acme.example.com', client_id: 'c', client_secret: 's', domains: ['acme.test'] }] };
  const worker = await startWorker({ sso });
  try {
    const response = await fetch(`${worker.url}/_sso/healthz`);
    assert.equal(response.status, 200);
    assert.match(worker.logs(), new RegExp(`Ready on ${worker.url}`));
  } finally {
    await worker.stop();
  }
});
