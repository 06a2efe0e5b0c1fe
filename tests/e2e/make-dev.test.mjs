// `make dev` as the README promises it: scripts/dev.sh starts the three dev IdPs, the demo
// origin, the DNS-over-HTTPS stub and `wrangler dev` on their documented ports, a user of each org signs in
// through their dev IdP's form and lands on the demo origin, and Ctrl-C stops every process. (The other
// end-to-end files run the worker without wrangler's dev proxy; this one runs the
// developer's real command.) It uses the fixed ports 9000, 9001, 9002, 9100, 9053, 8787 and 9229, so
// it fails, saying so, while a `make dev` of your own is running. (9002: initech's IdP; 9053: the DNS stub.)

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { repoRoot, tmpRoot } from '../support/worker.mjs';
import { spawnGroup } from '../support/process-group.mjs';
import { Browser, loginWithDevIdp, sessionOf } from '../support/browser.mjs';
import { sleep } from '../support/net.mjs';

const PORTS = [9000, 9001, 9002, 9100, 9053, 8787, 9229];
const WORKER = 'http://127.0.0.1:8787';

/** Whether something accepts connections on 127.0.0.1:`port`. */
function answers(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function busyPorts() {
  const busy = [];
  for (const port of PORTS) if (await answers(port)) busy.push(port);
  return busy;
}

let dev;
let scratch;
after(async () => {
  if (dev?.alive) {
    process.kill(dev.pid, 'SIGTERM'); // dev.sh stops its processes on TERM as on Ctrl-C
    await Promise.race([dev.exited, sleep(10_000)]);
  }
  await dev?.stop();
  if (scratch && !process.env.E2E_KEEP_TMP) fs.rmSync(scratch, { recursive: true, force: true });
});

test('make dev: the stack starts, alice (acme) and carol (globex) sign in through their dev IdPs, Ctrl-C stops everything', async () => {
  const busy = await busyPorts();
  assert.deepEqual(busy, [], `ports ${busy.join(', ')} are in use: stop your own \`make dev\` before \`make test\``);

  fs.mkdirSync(tmpRoot, { recursive: true });
  scratch = fs.mkdtempSync(path.join(tmpRoot, 'make-dev-'));
  dev = spawnGroup('bash', [path.join(repoRoot, 'scripts', 'dev.sh')], {
    cwd: repoRoot,
    logFile: path.join(scratch, 'dev.log'),
    env: { ...process.env, DEV_WORKER_STATE: path.join(scratch, 'worker-state'), DEV_ORIGIN_DATA: path.join(scratch, 'origin-data') },
  });
  // dev.sh gives up by itself after 60 s, naming the process that is not serving; this
  // deadline is only a backstop should dev.sh itself hang.
  const deadline = Date.now() + 90_000;
  while (!/dev: ready/.test(dev.logs())) {
    assert.ok(dev.alive, `scripts/dev.sh exited before it was ready:\n${dev.logs()}`);
    assert.ok(Date.now() < deadline, `scripts/dev.sh neither ready nor failed within 90 s:\n${dev.logs()}`);
    await sleep(200);
  }
  assert.match(dev.logs(), /alice@acme\.test \/ correct-horse-battery-staple/, 'the ready line names a user and the password');
  for (const tag of ['acme', 'globex', 'origin', 'dns', 'worker']) {
    assert.match(dev.logs(), new RegExp(`dev: \\[${tag}\\] ready after`), `ready means ${tag} answered a request`);
  }

  // A protected page sends the browser to sign-in; alice signs in at the acme dev IdP.
  const browser = new Browser();
  const { final, steps } = await loginWithDevIdp(browser, WORKER, { email: 'alice@acme.test', returnTo: '/' });
  const trail = steps.map((s) => `${s.status} ${s.method} ${s.url}`).join('\n');
  assert.equal(final.status, 200, trail);
  assert.equal(new URL(final.url).origin, WORKER, `the login ends on the worker:\n${trail}`);
  assert.match(final.body, /Alice Anderson/, 'the demo origin shows her name');
  assert.match(final.body, /onboarding/, 'and her provisioned projects');
  const session = await sessionOf(browser, WORKER);
  assert.equal(session.status, 200);
  assert.equal(session.body.email, 'alice@acme.test');
  assert.ok(fs.existsSync(path.join(scratch, 'origin-data')), 'the demo origin kept its users where DEV_ORIGIN_DATA says');

  // A user of the other org (globex, its own IdP on 9001, client_secret_post) too.
  const carol = new Browser();
  const globex = await loginWithDevIdp(carol, WORKER, { email: 'carol@globex.test', returnTo: '/' });
  assert.equal(globex.final.status, 200, globex.steps.map((s) => `${s.status} ${s.method} ${s.url}`).join('\n'));
  assert.ok(globex.steps.some((s) => s.url.startsWith('http://127.0.0.1:9001/')), 'carol signed in at the globex IdP');
  assert.match(globex.final.body, /Carol Chen/);
  assert.equal((await sessionOf(carol, WORKER)).body.org, 'globex');

  // Ctrl-C (SIGINT to dev.sh, as the terminal sends it) stops all of it.
  process.kill(dev.pid, 'SIGINT');
  const exit = await Promise.race([dev.exited, sleep(15_000).then(() => null)]);
  assert.ok(exit, `scripts/dev.sh did not stop within 15 s of Ctrl-C:\n${dev.logs().slice(-2000)}`);
  let left = await busyPorts();
  for (let i = 0; i < 20 && left.length; i += 1) {
    await sleep(250);
    left = await busyPorts();
  }
  assert.deepEqual(left, [], 'every port is free again after Ctrl-C');
});
