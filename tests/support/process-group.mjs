//! Child processes started in their own process group (Miniflare + workerd, the dev
//! identity provider), with their output kept in memory and in a file, and killed as a
//! whole group on `stop()` and whenever this test process ends.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { sleep } from './net.mjs';

const running = new Set();
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPES = /\x1b\[[0-9;]*[A-Za-z]/g;
let hooksInstalled = false;

/**
 * Spawns `command args` detached (its own process group). Returns
 * `{ pid, child, logs(), exited, stop() }`; `logs()` is everything it printed so far
 * (colour codes removed).
 */
export function spawnGroup(command, args, { cwd, env, logFile } = {}) {
  installExitHooks();
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = logFile ? fs.createWriteStream(logFile) : null;
  let text = '';
  const capture = (chunk) => {
    text += chunk.toString('utf8').replace(ANSI_ESCAPES, '');
    out?.write(chunk);
  };
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const group = { pid: child.pid, child, exited, logs: () => text, stop: () => stopGroup(group) };
  group.alive = true;
  exited.then(() => {
    group.alive = false;
    out?.end();
  });
  running.add(group);
  return group;
}

/** Kills the whole group: SIGTERM, then SIGKILL after a short grace. */
async function stopGroup(group) {
  if (!running.has(group)) return;
  running.delete(group);
  signalGroup(group.pid, 'SIGTERM');
  await Promise.race([group.exited, sleep(3000)]);
  // workerd and helpers share the group and may outlive the leader: no survivors.
  signalGroup(group.pid, 'SIGKILL');
  await Promise.race([group.exited, sleep(1000)]);
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
}

/** Kills every group still running, synchronously (usable from an `exit` handler). */
export function killAllGroups() {
  for (const group of running) signalGroup(group.pid, 'SIGKILL');
  running.clear();
}

function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllGroups);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      killAllGroups();
      process.kill(process.pid, signal);
    });
  }
}
