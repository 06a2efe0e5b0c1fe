// The entry module's Durable Object classes (src/edge/entry.js, build/entry.js) in workerd:
// each is a `DurableObject` reached over RPC, hands `call(message)` to its Rust object and
// passes the answer back as it is (text, or a promise of text), and the runtime's alarm
// reaches the Rust object's `alarm()`; an object answers no `fetch`. The Rust objects are
// stood in for by a module of the same shape as worker-build's index.js (the real ones are
// exercised by every other file here); the entry module is the real one, unchanged.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { repoRoot } from '../support/worker.mjs';
import { sleep } from '../support/net.mjs';

// What build/index.js exports, as far as the entry module is concerned: the worker
// (default) and RustSessionStore / RustSsoState, constructed with the object's state.
const standIn = `
class RustObject {
  constructor(ctx, ...rest) {
    this.ctx = ctx;
    this.extra = rest.length;
  }
  call(message) {
    const storage = this.ctx.storage;
    switch (message) {
      case 'sync': return 'answered at once';
      case 'async': return Promise.resolve('answered later');
      case 'constructed with': return String(this.extra);
      case 'set alarm': return storage.setAlarm(Date.now() + 100).then(() => 'alarm set');
      case 'alarms': return storage.get('alarms').then((n) => String(n ?? 0));
      case 'throw': throw new Error('the Rust object failed');
      default: return this.kind + ':' + message;
    }
  }
  async alarm() {
    await this.ctx.storage.put('alarms', ((await this.ctx.storage.get('alarms')) ?? 0) + 1);
  }
}
export class RustSessionStore extends RustObject { get kind() { return 'session store'; } }
export class RustSsoState extends RustObject { get kind() { return 'sso state'; } }
export default {
  async fetch(request, env) {
    const { binding, name, message, method = 'call' } = await request.json();
    const stub = env[binding].getByName(name);
    try {
      const answer = method === 'fetch' ? await (await stub.fetch('https://object/')).text() : await stub.call(message);
      return Response.json({ answer });
    } catch (error) {
      return Response.json({ error: String(error.message ?? error) });
    }
  },
};
`;

let mf;
let url;
before(async () => {
  const entry = fs.readFileSync(path.join(repoRoot, 'src', 'edge', 'entry.js'), 'utf8');
  mf = new Miniflare({
    modules: [
      { type: 'ESModule', path: path.join(repoRoot, 'entry.js'), contents: entry },
      { type: 'ESModule', path: path.join(repoRoot, 'index.js'), contents: standIn },
    ],
    modulesRoot: repoRoot,
    compatibilityDate: '2026-04-01',
    durableObjects: {
      SSO_SESSIONS: { className: 'SessionStore', useSQLite: true },
      SSO_STATE: { className: 'SsoState', useSQLite: true },
    },
    host: '127.0.0.1',
    port: 0,
    cf: false,
    log: new Log(LogLevel.WARN),
  });
  url = (await mf.ready).href;
});
after(() => mf?.dispose());

async function send(body) {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(response.status, 200);
  return response.json();
}

test('call(message) reaches the Rust object over RPC, and its answer comes back as it is', async () => {
  assert.deepEqual(await send({ binding: 'SSO_SESSIONS', name: 'a', message: 'sync' }), { answer: 'answered at once' });
  assert.deepEqual(await send({ binding: 'SSO_SESSIONS', name: 'a', message: 'async' }), { answer: 'answered later' });
  assert.deepEqual(await send({ binding: 'SSO_SESSIONS', name: 'a', message: 'hello' }), { answer: 'session store:hello' });
  assert.deepEqual(await send({ binding: 'SSO_STATE', name: 'global', message: 'hello' }), { answer: 'sso state:hello' });
});

test('the Rust object gets the state alone, and a failure of its own reaches the caller', async () => {
  assert.deepEqual(await send({ binding: 'SSO_SESSIONS', name: 'b', message: 'constructed with' }), { answer: '0' });
  assert.deepEqual(await send({ binding: 'SSO_STATE', name: 'global', message: 'constructed with' }), { answer: '0' });
  const failed = await send({ binding: 'SSO_SESSIONS', name: 'b', message: 'throw' });
  assert.match(failed.error, /the Rust object failed/);
});

test("the runtime's alarm reaches the Rust object's alarm()", async () => {
  assert.deepEqual(await send({ binding: 'SSO_SESSIONS', name: 'c', message: 'set alarm' }), { answer: 'alarm set' });
  let alarms = '0';
  for (let i = 0; i < 50 && alarms === '0'; i++) {
    await sleep(100);
    alarms = (await send({ binding: 'SSO_SESSIONS', name: 'c', message: 'alarms' })).answer;
  }
  assert.equal(alarms, '1');
});

test('an object answers no HTTP request: the store is reached over RPC only', async () => {
  const answer = await send({ binding: 'SSO_SESSIONS', name: 'd', method: 'fetch' });
  assert.ok(answer.error, `stub.fetch must fail: ${JSON.stringify(answer)}`);
});
