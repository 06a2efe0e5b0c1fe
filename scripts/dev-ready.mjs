// Waits until every process of the dev stack serves requests, for scripts/dev.sh.
//
// Usage: node scripts/dev-ready.mjs [--timeout-secs 60] TAG=PID=URL...
//
// A process is ready when its URL answers an HTTP request: 200 for the identity providers'
// discovery documents and the worker's /_sso/healthz, any answer below 500 for the origin
// (a TAG whose URL ends in `#any`). An open port is not enough: `wrangler dev`'s proxy
// accepts connections on 8787 before the worker behind it is loaded, and queues requests
// meanwhile. Each probe gives up after 3 s and is sent again, so one request held by a
// starting process never stalls the wait. Prints one line per process when it is ready;
// exits 1 naming the process that exited (its PID gone or a zombie) or did not answer in
// time, with the last thing its URL answered.

import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const PROBE_TIMEOUT_MS = 3000;
const PROBE_INTERVAL_MS = 150;

const { values, positionals } = parseArgs({
  options: { 'timeout-secs': { type: 'string', default: '60' } },
  allowPositionals: true,
});
const timeoutMs = Number(values['timeout-secs']) * 1000;
const started = Date.now();
const waiting = positionals.map((spec) => {
  const [tag, pid, ...rest] = spec.split('=');
  const url = rest.join('=');
  if (!tag || !/^\d+$/.test(pid ?? '') || !url) fail(`bad argument ${spec} (want TAG=PID=URL)`);
  return { tag, pid: Number(pid), url: url.replace(/#any$/, ''), anyAnswer: url.endsWith('#any'), last: 'no answer yet' };
});

while (waiting.length > 0) {
  for (const proc of [...waiting]) {
    if (!alive(proc.pid)) fail(`[${proc.tag}] exited before the stack was ready (see its output above)`);
    if (await answers(proc)) {
      waiting.splice(waiting.indexOf(proc), 1);
      console.log(`dev: [${proc.tag}] ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  }
  if (waiting.length === 0) break;
  if (Date.now() - started > timeoutMs) {
    const late = waiting.map((p) => `[${p.tag}] ${p.url} (${p.last}; ${processState(p.pid)})`).join(', ');
    fail(`not ready within ${timeoutMs / 1000} s: ${late}`);
  }
  await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
}

/** One probe of `proc.url`; remembers what it got in `proc.last`. */
async function answers(proc) {
  try {
    const response = await fetch(proc.url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: 'manual' });
    await response.arrayBuffer();
    proc.last = `status ${response.status}`;
    return proc.anyAnswer ? response.status < 500 : response.status === 200;
  } catch (error) {
    proc.last = error.name === 'TimeoutError' ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s` : (error.cause?.code ?? error.message);
    return false;
  }
}

/** Whether `pid` runs: it exists and is not a zombie waiting to be reaped. */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may hold spaces or parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): kill(0) is all we can tell
  }
}

/**
 * What a process that never answered is doing, from /proc: its state (R running, S waiting),
 * the CPU time it has used, and the kernel function each of its threads sleeps in. A process
 * stuck in a busy loop shows R and a CPU time close to the wait; one waiting for an event
 * that never comes shows S and almost no CPU.
 */
function processState(pid) {
  try {
    const fields = (stat) => stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const main = fields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const ticks = Number(main[11]) + Number(main[12]); // utime + stime, in 1/100 s on Linux
    const threads = readdirSync(`/proc/${pid}/task`).map((tid) => {
      const state = fields(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'))[0];
      let wchan = '';
      try {
        wchan = readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'utf8').trim();
      } catch {
        // not readable: the state alone
      }
      return `${state}${wchan && wchan !== '0' ? `:${wchan}` : ''}`;
    });
    const counts = {};
    for (const t of threads) counts[t] = (counts[t] ?? 0) + 1;
    const summary = Object.entries(counts).map(([t, n]) => `${n}×${t}`).join(' ');
    return `pid ${pid} state ${main[0]}, CPU ${(ticks / 100).toFixed(1)} s, threads ${summary}`;
  } catch {
    return `pid ${pid}: no /proc state`;
  }
}

function fail(message) {
  console.error(`dev: ${message}`);
  process.exit(1);
}
