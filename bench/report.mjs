// Collects what `make bench` measured (wasm size, criterion estimates, the end-to-end
// run), checks the budgets, writes bench/out/results.json and prints one table.
//
//   node bench/report.mjs --out bench/out [--notes "…"]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const out = path.resolve(args.out ?? path.join(root, 'bench/out'));
const readJson = (p) => { try { return JSON.parse(fs.readFileSync(p, 'utf8')); } catch { return null; } };
const problems = readJson(path.join(out, 'problems.json')) ?? {};

const BUDGET_GZIP = 1024 * 1024;
const BUDGET_STRICT_RATIO = 0.9;
const BUDGET_UL_MS = 250;

// ---------------------------------------------------------------- machine
function machine() {
  const cpu = os.cpus();
  let osName = `${os.type()} ${os.release()}`;
  try { osName = fs.readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]+)/m)?.[1] ?? osName; } catch { /* keep */ }
  return {
    cpu: cpu[0]?.model?.trim() ?? 'unknown',
    cores: cpu.length,
    memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: osName,
    kernel: os.release(),
    node: process.version,
    load_average_at_report: os.loadavg().map((l) => +l.toFixed(2)),
  };
}

// ---------------------------------------------------------------- wasm size
function wasmSize() {
  const wasm = path.join(root, 'build/index_bg.wasm');
  const js = path.join(root, 'build/index.js');
  if (!fs.existsSync(wasm)) return null;
  const bytes = fs.readFileSync(wasm);
  const jsBytes = fs.existsSync(js) ? fs.readFileSync(js) : Buffer.alloc(0);
  const gzip = zlib.gzipSync(bytes, { level: 9 }).length;
  return {
    file: 'build/index_bg.wasm',
    raw_bytes: bytes.length,
    gzip_bytes: gzip,
    js_raw_bytes: jsBytes.length,
    js_gzip_bytes: zlib.gzipSync(jsBytes, { level: 9 }).length,
    budget_gzip_bytes: BUDGET_GZIP,
    pass: gzip <= BUDGET_GZIP,
  };
}

// ---------------------------------------------------------------- criterion
const MICRO = [
  ['session_cookie_check', 'session cookie check (decode + HMAC)'],
  ['id_token_rs256', 'ID token RS256: verify + claims'],
  ['id_token_es256', 'ID token ES256: verify + claims'],
  ['id_token_claims', 'ID token claims alone (openidconnect + ours)'],
  ['logout_token_rs256', 'logout token RS256: form + verify + claims'],
  ['assertion_sign_es256', 'assertion signing ES256'],
  ['jwks_parse', 'JWKS parse (RSA-2048 + P-256)'],
];
function micro() {
  const dir = path.join(out, 'criterion');
  const found = [];
  for (const [id, label] of MICRO) {
    const e = readJson(path.join(dir, id, 'new', 'estimates.json'));
    if (!e) continue;
    found.push({
      id,
      label,
      median_ns: +e.median.point_estimate.toFixed(1),
      mean_ns: +e.mean.point_estimate.toFixed(1),
      mean_ci95_ns: [+e.mean.confidence_interval.lower_bound.toFixed(1), +e.mean.confidence_interval.upper_bound.toFixed(1)],
    });
  }
  return found.length ? { profile: readJson(path.join(out, 'criterion-profile.json')) ?? null, benches: found } : null;
}

// ---------------------------------------------------------------- formatting
const fmtNs = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(1)} µs` : `${ns.toFixed(0)} ns`);
const fmtBytes = (b) => (b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(2)} MiB` : `${(b / 1024).toFixed(0)} KiB`);
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const pct = (r) => `${(r * 100).toFixed(0)}%`;

function main() {
  const e2e = readJson(path.join(out, 'e2e.json'));
  const results = {
    generated_at: new Date().toISOString(),
    machine: machine(),
    wasm: wasmSize(),
    micro: micro(),
    e2e,
    budgets: [],
    problems,
  };
  const rows = [];
  const row = (measure, value, origin = '', skeleton = '', ratio = '', budget = '', result = '') => rows.push([measure, value, origin, skeleton, ratio, budget, result]);

  // wasm
  if (results.wasm) {
    const w = results.wasm;
    row('wasm size, raw / gzip', `${fmtBytes(w.raw_bytes)} / ${fmtBytes(w.gzip_bytes)}`, '', '', '', 'gzip ≤ 1 MiB', w.pass ? 'PASS' : 'FAIL');
    results.budgets.push({ name: 'wasm gzip ≤ 1 MiB', value: w.gzip_bytes, limit: BUDGET_GZIP, pass: w.pass });
  } else {
    row('wasm size', 'n/a (no build/index_bg.wasm)', '', '', '', 'gzip ≤ 1 MiB', 'n/a');
    results.budgets.push({ name: 'wasm gzip ≤ 1 MiB', value: null, limit: BUDGET_GZIP, pass: null });
  }

  // micro-benchmarks
  if (results.micro) {
    for (const b of results.micro.benches) row(`native: ${b.label}`, fmtNs(b.median_ns));
  } else {
    row('native micro-benchmarks', `n/a (${problems.micro ?? 'criterion did not run'})`);
  }

  // end to end
  if (e2e?.requests) {
    const find = (target, c) => e2e.requests.find((r) => r.target === target && r.concurrency === c);
    const concurrencies = [...new Set(e2e.requests.map((r) => r.concurrency))];
    for (const c of concurrencies) {
      const origin = find('origin', c);
      const skeleton = find('skeleton', c);
      for (const [target, label] of [['strict', 'strict (revalidate_secs 0)'], ['revalidate', `revalidate_secs ${e2e.revalidate_secs ?? 30}`]]) {
        const r = find(target, c);
        if (!r) continue;
        const ratio = skeleton?.rps ? r.rps / skeleton.rps : null;
        const bad = r.non_200 + r.errors;
        const budget = target === 'strict' && c === 32;
        const pass = budget && ratio !== null ? ratio >= BUDGET_STRICT_RATIO && bad === 0 : null;
        row(`c=${c} ${label}: req/s${bad ? ` (${bad} non-200!)` : ''}`, fmtInt(r.rps), origin ? fmtInt(origin.rps) : '', skeleton ? fmtInt(skeleton.rps) : '', ratio === null ? '' : pct(ratio),
          budget ? '≥ 90% of skeleton' : '', budget ? (pass ? 'PASS' : 'FAIL') : '');
        if (budget) results.budgets.push({ name: 'strict throughput ≥ 90% of skeleton at c=32', value: ratio, limit: BUDGET_STRICT_RATIO, pass });
        row(`c=${c} ${label}: p50 / p99 ms`, `${fmtMs(r.p50_ms)} / ${fmtMs(r.p99_ms)}`,
          origin ? `${fmtMs(origin.p50_ms)} / ${fmtMs(origin.p99_ms)}` : '', skeleton ? `${fmtMs(skeleton.p50_ms)} / ${fmtMs(skeleton.p99_ms)}` : '');
        if (r.server_cpu_us_per_req != null) {
          const us = (x) => (x?.server_cpu_us_per_req != null ? `${fmtInt(x.server_cpu_us_per_req)} µs` : '');
          row(`c=${c} ${label}: server CPU per request`, us(r), origin ? `${us(origin)} (nginx)` : '', us(skeleton),
            skeleton?.server_cpu_us_per_req ? `${(r.server_cpu_us_per_req / skeleton.server_cpu_us_per_req).toFixed(1)}×` : '');
        }
      }
    }
  } else {
    row('authenticated requests (workerd serve)', `n/a (${problems.e2e ?? 'the end-to-end run failed'})`, '', '', '', '≥ 90% of skeleton', 'n/a');
    results.budgets.push({ name: 'strict throughput ≥ 90% of skeleton at c=32', value: null, limit: BUDGET_STRICT_RATIO, pass: null });
  }

  if (e2e?.logins) {
    const l = e2e.logins;
    row(`full logins/s (c=${l.concurrency}, no provisioning)${l.failures ? ` (${l.failures} failed)` : ''}`, `${l.per_sec} /s`, '', '', '', '', '');
    row('full login latency p50 / p99 ms', `${fmtMs(l.p50_ms)} / ${fmtMs(l.p99_ms)}`);
  }

  if (e2e?.universal_logout) {
    for (const u of e2e.universal_logout) {
      const proof = u.refused_after === u.checked;
      const ok = u.status === 204 && proof;
      const budget = u.sessions === 1000;
      const pass = budget ? ok && u.ms_to_answer <= BUDGET_UL_MS : null;
      row(`Universal Logout, ${fmtInt(u.sessions)} session${u.sessions === 1 ? '' : 's'}: time to ${u.status}`, `${fmtMs(u.ms_to_answer)} ms`, '', '', `${u.refused_after}/${u.checked} refused after`,
        budget ? '≤ 250 ms' : '', budget ? (pass ? 'PASS' : 'FAIL') : ok ? 'ok' : 'FAIL');
      if (budget) results.budgets.push({ name: 'Universal Logout of 1,000 sessions ≤ 250 ms', value: u.ms_to_answer, limit: BUDGET_UL_MS, pass });
    }
  } else if (!e2e?.requests) {
    results.budgets.push({ name: 'Universal Logout of 1,000 sessions ≤ 250 ms', value: null, limit: BUDGET_UL_MS, pass: null });
  }

  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, null, 2));

  const header = ['measure', 'edge-sso', 'origin direct', 'skeleton', 'vs skeleton', 'budget', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]].length)));
  const line = (cells) => `| ${cells.map((c, i) => c + ' '.repeat(widths[i] - [...c].length)).join(' | ')} |`;
  const m = results.machine;
  console.log('');
  console.log(`edge-sso bench: ${m.cpu}, ${m.cores} cores, ${m.os}; load average ${(e2e?.load_average_before ?? m.load_average_at_report).join(' ')} before the run`);
  if (e2e) console.log(`${e2e.workerd}; origin ${e2e.origin}; load generator ${e2e.loadgen}; ${e2e.requests?.[0]?.seconds ?? '?'} s per load run; Durable Objects: ${e2e.durable_object_storage ?? 'localDisk'}`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('');
  const failed = results.budgets.filter((b) => b.pass === false).map((b) => b.name);
  const missing = results.budgets.filter((b) => b.pass === null).map((b) => b.name);
  console.log(`budgets: ${results.budgets.length - failed.length - missing.length} pass${failed.length ? `, FAIL: ${failed.join('; ')}` : ''}${missing.length ? `, not measured: ${missing.join('; ')}` : ''}`);
  for (const [section, note] of Object.entries(problems)) console.log(`note (${section}): ${note}`);
  console.log(`numbers: ${path.relative(root, path.join(out, 'results.json'))}`);
}

main();
