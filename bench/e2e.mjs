// End-to-end part of `make bench`: edge-sso (build/entry.js, index.js, index_bg.wasm) under plain
// `workerd serve`, in both session modes, beside baselines measured in the same run: the
// origin answered directly (nginx), three skeleton workers (JS over `stub.fetch`,
// bench/skeleton.mjs; JS over RPC, bench/skeleton-rpc.mjs; workers-rs, bench/skeleton-rs)
// and a peer, Apache with mod_auth_openidc in front of the same origin. Then a many-users
// run (load spread over 1,000 users' sessions), full logins per second, CPU per login,
// and Universal Logout of 1, 100 and 1,000 sessions.
//
//   node bench/e2e.mjs --out bench/out/e2e.json --run-dir bench/out/run \
//        --loadgen oha:/path/to/oha --origin nginx:/path/to/nginx [--duration 5] \
//        [--skeleton-rs bench/skeleton-rs/build] [--apache <prefix with usr/sbin/apache2>] \
//        [--wrk /path/to/wrk] [--many-users 1000]
//
// Every child runs in its own process group; their ids are appended to
// <run-dir>/pgids so that scripts/bench.sh can kill whatever survives this process.
import { spawnSync, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The end-to-end tests' own helpers: child process groups, free ports, the cookie-keeping browser.
import { Browser } from '../tests/support/browser.mjs';
import { freePort, sleep } from '../tests/support/net.mjs';
import { spawnGroup } from '../tests/support/process-group.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]?.startsWith('--') ? 'yes' : all[i + 1] ?? 'yes']] : acc), []));
const outFile = path.resolve(args.out ?? path.join(root, 'bench/out/e2e.json'));
const runDir = path.resolve(args['run-dir'] ?? path.join(root, 'bench/out/run'));
const [loadgenKind, loadgenBin] = (args.loadgen ?? 'oha:oha').split(/:(.*)/s);
const [originKind, originBin] = (args.origin ?? 'node:').split(/:(.*)/s);
const DURATION = Number(args.duration ?? 5);
const WARMUP = Number(args.warmup ?? 1);
const LOGIN_SECONDS = Number(args['login-seconds'] ?? 5);
const LOGIN_CONCURRENCY = Number(args['login-concurrency'] ?? 8);
const UL_SIZES = (args['ul-sizes'] ?? '1,100,1000').split(',').map(Number);
const CONCURRENCIES = (args.concurrency ?? '1,32').split(',').map(Number);
const REVALIDATE_SECS = Number(args['revalidate-secs'] ?? 30);
// The workers-rs skeleton as worker-build left it (index.js + index_bg.wasm); without it, its column stays empty.
const skeletonRsDir = args['skeleton-rs'] ? path.resolve(args['skeleton-rs']) : null;
// A root with Debian's apache2-bin and libapache2-mod-auth-openidc unpacked (`/` for installed packages).
const apacheRoot = args.apache ? path.resolve(args.apache) : null;
// The many-users run needs a load generator that sends a different cookie per request: wrk with a Lua script.
const wrkBin = args.wrk ?? (loadgenKind === 'wrk' ? loadgenBin : null);
const MANY_USERS = Number(args['many-users'] ?? 1000);
const MANY_USERS_CONCURRENCY = Number(args['many-users-concurrency'] ?? 32);
// Sequential logins whose CPU time is measured (after 40 unmeasured ones).
const LOGIN_CPU_COUNT = Number(args['login-cpu-count'] ?? 200);
const workerdBin = args.workerd ?? path.join(root, 'node_modules/@cloudflare/workerd-linux-64/bin/workerd');
// Where the worker under test comes from (a build with a wasm name section makes profiles readable).
const buildDir = path.resolve(args['build-dir'] ?? path.join(root, 'build'));
// `--profile strict|revalidate|skeleton|skeleton-rpc|skeleton-rs|logins`: instead of the full run, sample that
// worker's isolate with the V8 CPU profiler (workerd's inspector) under load at c=32 (or
// during full logins), and print where its time goes per request (or per login). Needs a WebSocket client (Node 22, or Node 20 with --experimental-websocket).
const PROFILE = args.profile ?? null;
// Durable Object storage (SQLite files): on tmpfs when there is one, so that the disk's
// fsync latency (which says nothing about the worker, nor about Cloudflare's storage)
// stays out of the numbers. `--state-dir disk` keeps it in the run directory.
const stateDir = (() => {
  if (args['state-dir'] && args['state-dir'] !== 'disk') return path.resolve(args['state-dir']);
  if (args['state-dir'] !== 'disk') {
    try {
      fs.accessSync('/dev/shm', fs.constants.W_OK);
      return fs.mkdtempSync('/dev/shm/edge-sso-bench-');
    } catch { /* no tmpfs */ }
  }
  return path.join(runDir, 'workerd');
})();
process.on('exit', () => { if (stateDir.startsWith('/dev/shm/')) fs.rmSync(stateDir, { recursive: true, force: true }); });

const log = (...m) => console.error('bench:', ...m);

// ---------------------------------------------------------------- process groups
// tests/support's process groups (killed whenever this process ends), each logging to
// <run-dir>/<name>.log, with its id in <run-dir>/pgids for scripts/bench.sh.
const groups = [];
function startGroup(name, command, argv, { cwd } = {}) {
  const logPath = path.join(runDir, `${name}.log`);
  const group = Object.assign(spawnGroup(command, argv, { cwd, logFile: logPath }), { name, logPath });
  fs.appendFileSync(path.join(runDir, 'pgids'), `${group.pid}\n`);
  groups.push(group);
  return group;
}
const stopGroups = () => Promise.all(groups.map((g) => g.stop()));
const tail = (g, n = 30) => g.logs().split('\n').slice(-n).join('\n');

async function waitHttp(url, group, { ok = () => true, timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (group && !group.alive) throw new Error(`${group.name} exited; its log:\n${tail(group)}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000), redirect: 'manual' });
      await r.arrayBuffer();
      if (ok(r)) return;
      last = `status ${r.status}`;
    } catch (e) { last = e.cause?.code ?? e.message; }
    await sleep(100);
  }
  throw new Error(`${url} not ready in ${timeoutMs} ms (${last})${group ? `; ${group.name} log:\n${tail(group)}` : ''}`);
}

// ---------------------------------------------------------------- the origin
async function startOrigin() {
  const port = await freePort();
  const dir = path.join(runDir, 'origin');
  fs.mkdirSync(dir, { recursive: true });
  let group;
  if (originKind === 'nginx') {
    for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, t), { recursive: true });
    const conf = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000; keepalive_timeout 120s;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    default_type text/plain;
    location = /whoami { return 200 "$http_x_sso_email"; }
    location / { return 200 "hello from the origin\\n"; }
  }
}
`;
    fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
    group = startGroup('origin', originBin, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')]);
  } else {
    group = startGroup('origin', process.execPath, [path.join(root, 'bench/origin.mjs'), '--port', String(port)]);
  }
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/`, group, { ok: (r) => r.status === 200 });
  return { url, group, kind: originKind === 'nginx' ? 'nginx' : 'node' };
}

// ---------------------------------------------------------------- the provider
async function startIdp() {
  const port = await freePort();
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPath = path.join(runDir, 'idp-key.pem');
  fs.writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const clientSecret = crypto.randomBytes(24).toString('base64url');
  const group = startGroup('idp', process.execPath, [path.join(root, 'bench/idp.mjs'), '--port', String(port), '--key', keyPath, '--client-id', 'edge-sso-bench', '--client-secret', clientSecret, '--kid', 'bench-rsa']);
  const issuer = `http://127.0.0.1:${port}`;
  await waitHttp(`${issuer}/.well-known/openid-configuration`, group, { ok: (r) => r.status === 200 });
  return { issuer, privateKey, kid: 'bench-rsa', clientId: 'edge-sso-bench', clientSecret, group };
}

// ---------------------------------------------------------------- the peer: Apache + mod_auth_openidc
// Debian's Apache (event MPM, one child of 64 threads: the bench never has more than 32
// connections open) with Debian's mod_auth_openidc in front of the same origin, signed in
// against the same provider: authorization code flow with PKCE, sessions kept server-side
// in its shared-memory cache (`OIDCCacheType shm`, `OIDCSessionType server-cache`), the
// user's email passed to the origin as edge-sso passes it. Debian's defaults otherwise.
async function startApache({ origin, idp }) {
  const port = await freePort();
  const dir = path.join(runDir, 'apache');
  fs.mkdirSync(path.join(dir, 'run'), { recursive: true });
  const modules = path.join(apacheRoot, 'usr/lib/apache2/modules');
  const load = (name, file) => `LoadModule ${name}_module ${path.join(modules, `mod_${file ?? name}.so`)}`;
  const base = `http://127.0.0.1:${port}`;
  const conf = `ServerRoot ${dir}
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${dir}/run/httpd.pid
DefaultRuntimeDir ${dir}/run
ErrorLog ${dir}/error.log
LogLevel warn
${process.getuid?.() === 0 ? 'User #65534\nGroup #65534\n' : ''}${load('mpm_event')}
${load('authz_core')}
${load('authn_core')}
${load('authz_user')}
${load('headers')}
${load('proxy')}
${load('proxy_http')}
${load('auth_openidc')}
StartServers 1
ServerLimit 1
ThreadLimit 64
ThreadsPerChild 64
MaxRequestWorkers 64
MinSpareThreads 1
MaxSpareThreads 64
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 120
# Node's fetch (the bench's login client) always sends Sec-Fetch-Mode: cors, for which
# mod_auth_openidc answers 401 instead of redirecting to the provider; a browser's
# navigation sends "navigate". The load generators send none.
RequestHeader unset Sec-Fetch-Mode early
OIDCProviderMetadataURL ${idp.issuer}/.well-known/openid-configuration
OIDCClientID ${idp.clientId}
OIDCClientSecret ${idp.clientSecret}
OIDCRedirectURI ${base}/redirect_uri
OIDCCryptoPassphrase ${crypto.randomBytes(24).toString('base64url')}
OIDCCacheType shm
OIDCCacheShmMax 20000
OIDCCacheShmEntrySizeMax 16384
OIDCSessionType server-cache
OIDCSessionInactivityTimeout 28800
OIDCSessionMaxDuration 86400
OIDCPKCEMethod S256
OIDCScope "openid email"
<Location />
  AuthType openid-connect
  Require valid-user
  RequestHeader set X-Sso-Email "%{OIDC_CLAIM_email}e"
</Location>
ProxyPass /redirect_uri !
ProxyPass / ${origin.url}/
`;
  const confPath = path.join(dir, 'httpd.conf');
  fs.writeFileSync(confPath, conf);
  const libs = fs.readdirSync(path.join(apacheRoot, 'usr/lib'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.endsWith('-linux-gnu')).map((d) => path.join(apacheRoot, 'usr/lib', d.name));
  const env = { ...process.env, LD_LIBRARY_PATH: [...libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  const group = Object.assign(spawnGroup(path.join(apacheRoot, 'usr/sbin/apache2'), ['-f', confPath, '-DFOREGROUND'], { cwd: dir, env, logFile: path.join(runDir, 'apache.log') }), { name: 'apache', logPath: path.join(runDir, 'apache.log') });
  fs.appendFileSync(path.join(runDir, 'pgids'), `${group.pid}\n`);
  groups.push(group);
  try {
    await waitHttp(`${base}/`, group, { ok: (r) => r.status === 302 });
  } catch (e) {
    const errorLog = fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`${e.message}\n${errorLog}`);
  }
  const v = spawnSync(path.join(apacheRoot, 'usr/sbin/apache2'), ['-v'], { env, encoding: 'utf8' }).stdout.match(/Apache\/[\d.]+/)?.[0] ?? 'Apache';
  return { url: base, group, version: `${v}, mod_auth_openidc ${openidcVersion()}` };
}

// scripts/bench.sh notes the unpacked packages' versions in <root>/versions.txt ("package version" lines).
function openidcVersion() {
  try {
    return fs.readFileSync(path.join(apacheRoot, 'versions.txt'), 'utf8').match(/^libapache2-mod-auth-openidc (\S+)/m)?.[1] ?? '?';
  } catch {
    return spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'libapache2-mod-auth-openidc'], { encoding: 'utf8' }).stdout || '?';
  }
}

// One sign-in through mod_auth_openidc: GET /whoami, redirected to the provider and back
// to its redirect URI (code exchange, ID-token check, session in the shm cache), then to
// /whoami again with its session cookie. Answers that cookie.
async function loginApache(base) {
  try {
    return await loginApacheOnce(base);
  } catch (e) {
    if (e.message !== 'fetch failed') throw e; // a keep-alive connection closed while idle: once more
    return loginApacheOnce(base);
  }
}

async function loginApacheOnce(base) {
  const browser = new Browser({ accept: 'text/html' });
  const final = await browser.get(`${base}/whoami`, { follow: true });
  if (final.status !== 200 || final.body !== 'bench@bench.test') throw new Error(`mod_auth_openidc login ended with ${final.status}: ${final.body.slice(0, 200)}`);
  const session = browser.cookies(new URL(base)).find((c) => c.name === 'mod_auth_openidc_session');
  if (!session) throw new Error('mod_auth_openidc set no session cookie');
  return `mod_auth_openidc_session=${session.value}`;
}

// ---------------------------------------------------------------- workerd
function compatibilityDate() {
  const toml = fs.readFileSync(path.join(root, 'wrangler.toml'), 'utf8');
  return toml.match(/^compatibility_date\s*=\s*"([^"]+)"/m)?.[1] ?? '2026-04-01';
}

async function startWorkerd({ origin, idp }) {
  const dir = path.join(runDir, 'workerd');
  fs.mkdirSync(dir, { recursive: true });
  // Freeze the artifact under test (others may rebuild while the bench runs). Its main
  // module is build/entry.js (the Durable Object classes over RPC); a build from before
  // it has only index.js.
  const jsModules = ['entry.js', 'index.js'].filter((m) => fs.existsSync(path.join(buildDir, m)));
  for (const m of jsModules) fs.copyFileSync(path.join(buildDir, m), path.join(dir, m));
  fs.copyFileSync(path.join(buildDir, 'index_bg.wasm'), path.join(dir, 'index_bg.wasm'));
  fs.copyFileSync(path.join(root, 'bench/skeleton.mjs'), path.join(dir, 'skeleton.mjs'));
  fs.copyFileSync(path.join(root, 'bench/skeleton-rpc.mjs'), path.join(dir, 'skeleton-rpc.mjs'));
  fs.copyFileSync(path.join(root, 'bench/kv.mjs'), path.join(dir, 'kv.mjs'));
  const withRs = skeletonRsDir && fs.existsSync(path.join(skeletonRsDir, 'index.js')) && fs.existsSync(path.join(skeletonRsDir, 'index_bg.wasm'));
  if (withRs) {
    fs.mkdirSync(path.join(dir, 'skeleton-rs'), { recursive: true });
    for (const f of ['index.js', 'index_bg.wasm']) fs.copyFileSync(path.join(skeletonRsDir, f), path.join(dir, 'skeleton-rs', f));
  }
  const ports = { strict: await freePort(), revalidate: await freePort(), skeleton: await freePort(), 'skeleton-rpc': await freePort(), ...(withRs ? { 'skeleton-rs': await freePort() } : {}) };
  const sessionSecret = crypto.randomBytes(48).toString('base64url');
  const date = compatibilityDate();
  const sso = (mode, port) => ({
    base_url: `http://127.0.0.1:${port}`,
    origin: origin.url,
    public_paths: ['/public/'],
    // max_per_user at its upper bound: Universal Logout is measured on one user with 1,000 sessions.
    session: { idle_timeout_secs: 28800, absolute_timeout_secs: 86400, revalidate_secs: mode === 'strict' ? 0 : REVALIDATE_SECS, max_per_user: 1000 },
    orgs: [{ id: 'bench', issuer: idp.issuer, client_id: idp.clientId, client_secret_var: 'BENCH_CLIENT_SECRET', domains: ['bench.test'] }],
  });
  const workerName = (mode) => `edge${mode[0].toUpperCase()}${mode.slice(1)}`;
  const edgeWorker = (mode) => {
    fs.mkdirSync(path.join(stateDir, `do-${mode}`), { recursive: true });
    fs.writeFileSync(path.join(dir, `sso-${mode}.json`), JSON.stringify(sso(mode, ports[mode])));
    fs.writeFileSync(path.join(dir, 'session-secret.txt'), sessionSecret);
    fs.writeFileSync(path.join(dir, 'client-secret.txt'), idp.clientSecret);
    return `const ${workerName(mode)} :Workerd.Worker = (
  modules = [
${jsModules.map((m) => `    (name = "${m}", esModule = embed "${m}"),`).join('\n')}
    (name = "index_bg.wasm", wasm = embed "index_bg.wasm"),
  ],
  compatibilityDate = "${date}",
  bindings = [
    (name = "SSO", json = embed "sso-${mode}.json"),
    (name = "SSO_SESSION_SECRET", text = embed "session-secret.txt"),
    (name = "BENCH_CLIENT_SECRET", text = embed "client-secret.txt"),
    (name = "SSO_SESSIONS", durableObjectNamespace = (className = "SessionStore")),
    (name = "SSO_STATE", durableObjectNamespace = (className = "SsoState")),
    (name = "SSO_CACHE", kvNamespace = (name = "kv")),
  ],
  durableObjectNamespaces = [
    (className = "SessionStore", uniqueKey = "edge-sso-${mode}-SessionStore", enableSql = true),
    (className = "SsoState", uniqueKey = "edge-sso-${mode}-SsoState", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-${mode}"),
  globalOutbound = "loopback",
);
`;
  };
  for (const d of ['do-skeleton', 'do-skeleton-rpc', 'do-skeleton-rs']) fs.mkdirSync(path.join(stateDir, d), { recursive: true });
  fs.writeFileSync(path.join(dir, 'origin-url.txt'), origin.url);
  // A skeleton: its modules, its Durable Object class (SQLite-backed) and the origin's URL.
  const skeleton = (constName, modules, className) => `const ${constName} :Workerd.Worker = (
  modules = [${modules}],
  compatibilityDate = "${date}",
  bindings = [
    (name = "ORIGIN", text = embed "origin-url.txt"),
    (name = "SKELETON_STORE", durableObjectNamespace = (className = "${className}")),
  ],
  durableObjectNamespaces = [(className = "${className}", uniqueKey = "bench-${className}", enableSql = true)],
  durableObjectStorage = (localDisk = "do-${constName.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}"),
  globalOutbound = "loopback",
);
`;
  const capnp = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "edge-strict", worker = .edgeStrict),
    (name = "edge-revalidate", worker = .edgeRevalidate),
    (name = "skeleton", worker = .skeleton),
    (name = "skeleton-rpc", worker = .skeletonRpc),
${withRs ? '    (name = "skeleton-rs", worker = .skeletonRs),\n' : ''}    (name = "kv", worker = (modules = [(name = "kv.mjs", esModule = embed "kv.mjs")], compatibilityDate = "${date}")),
    (name = "loopback", network = (allow = ["local", "private"])),
    (name = "do-strict", disk = (path = "${path.join(stateDir, 'do-strict')}", writable = true)),
    (name = "do-revalidate", disk = (path = "${path.join(stateDir, 'do-revalidate')}", writable = true)),
    (name = "do-skeleton", disk = (path = "${path.join(stateDir, 'do-skeleton')}", writable = true)),
    (name = "do-skeleton-rpc", disk = (path = "${path.join(stateDir, 'do-skeleton-rpc')}", writable = true)),
    (name = "do-skeleton-rs", disk = (path = "${path.join(stateDir, 'do-skeleton-rs')}", writable = true)),
  ],
  sockets = [
    (name = "strict", address = "127.0.0.1:${ports.strict}", http = (), service = "edge-strict"),
    (name = "revalidate", address = "127.0.0.1:${ports.revalidate}", http = (), service = "edge-revalidate"),
    (name = "skeleton", address = "127.0.0.1:${ports.skeleton}", http = (), service = "skeleton"),
    (name = "skeleton-rpc", address = "127.0.0.1:${ports['skeleton-rpc']}", http = (), service = "skeleton-rpc"),
${withRs ? `    (name = "skeleton-rs", address = "127.0.0.1:${ports['skeleton-rs']}", http = (), service = "skeleton-rs"),\n` : ''}  ],
);

${edgeWorker('strict')}
${edgeWorker('revalidate')}
${skeleton('skeleton', '(name = "skeleton.mjs", esModule = embed "skeleton.mjs")', 'SkeletonStore')}
${skeleton('skeletonRpc', '(name = "skeleton-rpc.mjs", esModule = embed "skeleton-rpc.mjs")', 'SkeletonRpcStore')}
${withRs ? skeleton('skeletonRs', '(name = "index.js", esModule = embed "skeleton-rs/index.js"), (name = "index_bg.wasm", wasm = embed "skeleton-rs/index_bg.wasm")', 'SkeletonRsStore') : ''}`;
  const configPath = path.join(dir, 'config.capnp');
  fs.writeFileSync(configPath, capnp);
  const inspector = PROFILE ? await freePort() : null;
  const group = startGroup('workerd', workerdBin, ['serve', configPath, ...(inspector ? [`--inspector-addr=127.0.0.1:${inspector}`] : [])], { cwd: dir });
  const urls = Object.fromEntries(Object.entries(ports).map(([k, p]) => [k, `http://127.0.0.1:${p}`]));
  await waitHttp(`${urls.strict}/_sso/healthz`, group, { ok: (r) => r.status === 200 });
  await waitHttp(`${urls.revalidate}/_sso/healthz`, group, { ok: (r) => r.status === 200 });
  for (const name of Object.keys(urls).filter((k) => k.startsWith('skeleton'))) await waitHttp(`${urls[name]}/`, group, { ok: (r) => r.status === 401 });
  return { urls, group, inspector, version: execFileSync(workerdBin, ['--version']).toString().trim() };
}

// ---------------------------------------------------------------- login
// One sign-in as the end-to-end tests do it: tests/support's browser follows the
// redirects (worker → IdP, which approves at once → callback), keeping the cookies.
async function login(base, email) {
  const browser = new Browser({ accept: '*/*' });
  const start = `${base}/_sso/login?org=bench&email=${encodeURIComponent(email)}&return_to=%2Fwhoami`;
  const final = await browser.get(start, { follow: true });
  const callback = final.redirects.find((r) => new URL(r.url).pathname === '/_sso/callback');
  if (!callback || callback.status !== 302) throw new Error(`/_sso/callback answered ${callback?.status ?? 'nothing'}: ${(callback ?? final).body.slice(0, 300)}`);
  const session = browser.cookies(new URL(base)).find((c) => c.name === 'sso_session');
  if (!session) throw new Error('/_sso/callback set no sso_session cookie');
  return `sso_session=${session.value}`;
}

// A login after the load runs may reuse a keep-alive connection that the server closed
// while idle ("fetch failed"): one more try on a network error, never on an HTTP one.
async function loginRetrying(base, email) {
  try {
    return await login(base, email);
  } catch (e) {
    if (e.message !== 'fetch failed') throw e;
    return login(base, email);
  }
}

async function pool(count, concurrency, task) {
  const results = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  }));
  return results;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

// Full logins for LOGIN_SECONDS, LOGIN_CONCURRENCY at a time (after 40 unmeasured ones);
// `signIn(email)` is one login through edge-sso or through the peer.
async function loginThroughput(signIn) {
  await pool(40, LOGIN_CONCURRENCY, (i) => signIn(`warm-${i}@bench.test`));
  const latencies = [];
  let failures = 0;
  let n = 0;
  const started = performance.now();
  const deadline = started + LOGIN_SECONDS * 1000;
  await Promise.all(Array.from({ length: LOGIN_CONCURRENCY }, async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      try {
        await signIn(`login-${n++}@bench.test`);
        latencies.push(performance.now() - t);
      } catch (e) {
        if (failures++ < 3) log('login failed:', e.message);
      }
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency: LOGIN_CONCURRENCY,
    seconds: +seconds.toFixed(2),
    logins: latencies.length,
    failures,
    per_sec: +(latencies.length / seconds).toFixed(1),
    p50_ms: +quantile(latencies, 0.5).toFixed(2),
    p99_ms: +quantile(latencies, 0.99).toFixed(2),
  };
}

// `--logins-cpu N`: N full logins one after another (after 40 unmeasured ones), and the
// workerd process group's CPU time per login (both requests: the login start and the
// callback, with its code exchange, ID-token verification and session creation).
// (`server`: the process group whose CPU is counted; `signIn(email)`: one login.)
async function loginCpu(server, signIn, count) {
  await pool(40, 1, (i) => signIn(`cpu-warm-${i}@bench.test`));
  const latencies = [];
  let failures = 0;
  let firstFailure;
  const cpu0 = groupCpuMicros(server.child.pid);
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    try {
      await signIn(`cpu-${i}@bench.test`);
      latencies.push(performance.now() - t);
    } catch (e) {
      // Counted and shown in the row, like loginThroughput's failures: one refused login
      // must not cost the whole run its numbers.
      failures += 1;
      firstFailure ??= String(e.message ?? e).split('\n')[0];
    }
  }
  const cpu = groupCpuMicros(server.child.pid) - cpu0;
  if (latencies.length === 0) throw new Error(`every login failed: ${firstFailure}`);
  latencies.sort((a, b) => a - b);
  return { logins: count, failures, first_failure: firstFailure, server_cpu_us_per_login: Math.round(cpu / count), p50_ms: +quantile(latencies, 0.5).toFixed(2) };
}

// ---------------------------------------------------------------- many users
// MANY_USERS users of one org sign in (a session each); then wrk sends the same strict
// load twice: every request with the first user's cookie (one session object serves
// all), and round robin over every user's cookie (each object serves 1/MANY_USERS).
async function manyUsers(workerd) {
  const base = workerd.urls.strict;
  const t0 = performance.now();
  const cookies = await pool(MANY_USERS, LOGIN_CONCURRENCY, (i) => loginRetrying(base, `user-${i}@bench.test`));
  const loginSeconds = (performance.now() - t0) / 1000;
  for (const i of [0, MANY_USERS - 1]) {
    const who = await status(base, cookies[i]);
    if (who.status !== 200 || who.body !== `user-${i}@bench.test`) throw new Error(`many users: user ${i} got ${who.status} ${who.body}`);
  }
  const files = { one: path.join(runDir, 'cookies-one.txt'), many: path.join(runDir, 'cookies-many.txt') };
  fs.writeFileSync(files.one, `${cookies[0]}\n`);
  fs.writeFileSync(files.many, `${cookies.join('\n')}\n`);
  const script = path.join(root, 'bench/many-users.lua');
  const result = { users: MANY_USERS, concurrency: MANY_USERS_CONCURRENCY, seconds: DURATION, login_seconds: +loginSeconds.toFixed(2) };
  for (const which of ['one', 'many']) {
    runLoadgen(`${base}/`, MANY_USERS_CONCURRENCY, WARMUP, {}, [script, files[which]]);
    const cpu0 = groupCpuMicros(workerd.group.child.pid);
    const r = runLoadgen(`${base}/`, MANY_USERS_CONCURRENCY, DURATION, {}, [script, files[which]]);
    r.server_cpu_us_per_req = r.requests ? Math.round((groupCpuMicros(workerd.group.child.pid) - cpu0) / r.requests) : null;
    log(`strict, ${which === 'one' ? '1 user' : `${MANY_USERS} users`}, c=${MANY_USERS_CONCURRENCY}: ${r.rps} req/s  p50 ${r.p50_ms} ms  p99 ${r.p99_ms} ms  non-200 ${r.non_200}  errors ${r.errors}  server CPU ${r.server_cpu_us_per_req} µs/req`);
    result[which === 'one' ? 'one_user' : 'many_users'] = r;
  }
  return result;
}

// ---------------------------------------------------------------- Universal Logout
function universalLogoutJwt(idp, base) {
  const b64 = (d) => Buffer.from(d).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const header = b64(JSON.stringify({ alg: 'RS256', typ: 'global-token-revocation+jwt', kid: idp.kid }));
  // Okta's shape: `sub` is the app's client id (it names the org), the user is in the body.
  const claims = b64(JSON.stringify({ iss: idp.issuer, sub: idp.clientId, aud: `${base}/_sso/global-token-revocation`, iat: now, exp: now + 300, jti: crypto.randomUUID() }));
  const input = `${header}.${claims}`;
  return `${input}.${b64(crypto.sign('sha256', Buffer.from(input), idp.privateKey))}`;
}

async function status(base, cookie, pathName = '/whoami') {
  const r = await fetch(`${base}${pathName}`, { headers: { cookie, accept: 'application/json' }, redirect: 'manual' });
  const body = await r.text();
  return { status: r.status, body };
}

async function universalLogout(idp, base, size, tag = 'ul') {
  const email = `${tag}-${size}@bench.test`;
  const t0 = performance.now();
  const cookies = await pool(size, 16, () => loginRetrying(base, email));
  const loginSeconds = (performance.now() - t0) / 1000;
  const before = await status(base, cookies[0]);
  if (before.status !== 200 || before.body !== email) throw new Error(`before Universal Logout a session of ${email} got ${before.status} ${before.body}`);
  const jwt = universalLogoutJwt(idp, base);
  const t1 = performance.now();
  const r = await fetch(`${base}/_sso/global-token-revocation`, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sub_id: { format: 'email', email } }),
  });
  const answer = await r.text();
  const ms = performance.now() - t1;
  const statuses = await pool(size, 16, (i) => status(base, cookies[i]).then((s) => s.status));
  const refused = statuses.filter((s) => s === 401 || s === 302).length;
  return {
    sessions: size,
    status: r.status,
    ms_to_answer: +ms.toFixed(1),
    refused_after: refused,
    checked: size,
    first_status_after: statuses[0],
    login_seconds: +loginSeconds.toFixed(2),
    ...(r.status === 204 ? {} : { answer: answer.slice(0, 300) }),
  };
}

// ---------------------------------------------------------------- the load generator
// `script`: [a wrk Lua script, its arguments…] (then wrk runs, whatever --loadgen says).
function runLoadgen(url, concurrency, seconds, headers, script = null) {
  let argv;
  const kind = script ? 'wrk' : loadgenKind;
  const bin = script ? wrkBin : loadgenBin;
  if (kind === 'oha') {
    argv = ['--no-tui', '--output-format', 'json', '-z', `${seconds}s`, '-c', String(concurrency), '--redirect', '0', '-w'];
    for (const [k, v] of Object.entries(headers)) argv.push('-H', `${k}: ${v}`);
    argv.push(url);
  } else {
    argv = ['-t1', `-c${concurrency}`, `-d${seconds}s`, '--latency'];
    for (const [k, v] of Object.entries(headers)) argv.push('-H', `${k}: ${v}`);
    if (script) argv.push('-s', script[0]);
    argv.push(url);
    if (script) argv.push('--', ...script.slice(1));
  }
  const out = execFileSync(bin, argv, { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'], timeout: (seconds + 30) * 1000 }).toString();
  return kind === 'oha' ? parseOha(out) : parseWrk(out);
}

function parseOha(out) {
  const j = JSON.parse(out);
  const statuses = j.statusCodeDistribution ?? {};
  const total = Object.values(statuses).reduce((a, b) => a + b, 0);
  const errors = Object.values(j.errorDistribution ?? {}).reduce((a, b) => a + b, 0);
  return {
    rps: +j.summary.requestsPerSec.toFixed(0),
    p50_ms: +(j.latencyPercentiles.p50 * 1000).toFixed(3),
    p99_ms: +(j.latencyPercentiles.p99 * 1000).toFixed(3),
    requests: total,
    non_200: total - (statuses['200'] ?? 0),
    errors,
  };
}

function parseWrk(out) {
  const ms = (s) => { const m = s.match(/([\d.]+)(us|ms|s)/); return m ? Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 })[m[2]] : NaN; };
  const dist = out.slice(out.indexOf('Latency Distribution'));
  const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  const errs = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    rps: Math.round(Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1])),
    p50_ms: +ms(dist.match(/^\s*50%\s+(\S+)/m)[1]).toFixed(3),
    p99_ms: +ms(dist.match(/^\s*99%\s+(\S+)/m)[1]).toFixed(3),
    requests: Number(out.match(/(\d+) requests in/)[1]),
    non_200: non2xx,
    errors: errs ? errs.slice(1).map(Number).reduce((a, b) => a + b, 0) : 0,
  };
}

// CPU time (user + system) of every process in a group, in microseconds, from /proc.
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
function groupCpuMicros(pgid) {
  let ticks = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
    } catch { /* exited */ }
  }
  return (ticks * 1e6) / CLK_TCK;
}

// ---------------------------------------------------------------- profiling (--profile)
async function inspectorSession(wsUrl) {
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error(`cannot open ${wsUrl}`)); });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (event) => {
    const m = JSON.parse(event.data);
    if (m.id && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); }
  };
  const send = (method, params = {}) => new Promise((resolve) => { const i = ++id; pending.set(i, resolve); ws.send(JSON.stringify({ id: i, method, params })); });
  return { send, close: () => ws.close() };
}

async function profile(target, workerd) {
  if (typeof WebSocket === 'undefined') throw new Error('--profile needs a WebSocket client: run with `node --experimental-websocket` on Node 20');
  const service = { strict: 'edge-strict', revalidate: 'edge-revalidate', logins: 'edge-strict' }[target.name] ?? target.name;
  const list = await (await fetch(`http://127.0.0.1:${workerd.inspector}/json/list`)).json();
  const entry = list.find((e) => e.title === service || e.id === service) ?? list.find((e) => JSON.stringify(e).includes(service));
  if (!entry) throw new Error(`no inspector target for ${service}: ${JSON.stringify(list)}`);
  const session = await inspectorSession(entry.webSocketDebuggerUrl);
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: 50 });
  const concurrency = target.name === 'logins' ? LOGIN_CONCURRENCY : CONCURRENCIES[CONCURRENCIES.length - 1];
  let r;
  await session.send('Profiler.start');
  if (target.name === 'logins') {
    const l = await loginThroughput((email) => loginRetrying(workerd.urls.strict, email));
    r = { rps: l.per_sec, requests: l.logins };
  } else {
    runLoadgen(target.url, concurrency, WARMUP, target.headers);
    r = runLoadgen(target.url, concurrency, DURATION, target.headers);
  }
  const { result } = await session.send('Profiler.stop');
  session.close();
  const file = path.join(runDir, `${target.name}.cpuprofile`);
  fs.writeFileSync(file, JSON.stringify(result.profile));
  summarize(result.profile, r.requests, `${target.name} at c=${concurrency}: ${r.rps} req/s, ${r.requests} requests; profile in ${file}`);
}

// Self and inclusive time per function, in microseconds per request.
function summarize(p, requests, title) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => { const f = n.callFrame; return `${f.functionName || '(anonymous)'}${f.url ? ` ${f.url.split('/').pop()}:${f.lineNumber + 1}` : ''}`; };
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i + 1] ?? 0;
    total += dt;
    const leaf = byId.get(id);
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + dt);
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const k = name(byId.get(n));
      if (!seen.has(k)) { seen.add(k); inclusive.set(k, (inclusive.get(k) ?? 0) + dt); }
    }
  });
  const top = (m, k) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k);
  const perReq = (us) => (us / requests).toFixed(1).padStart(8);
  console.log(`\n${title}\nsampled ${(total / 1e6).toFixed(2)} s; µs per request (self):`);
  for (const [k, v] of top(self, 30)) console.log(`${perReq(v)}  ${k}`);
  console.log('µs per request (inclusive):');
  for (const [k, v] of top(inclusive, 40)) console.log(`${perReq(v)}  ${k}`);
}

// ---------------------------------------------------------------- main
async function main() {
  // scripts/bench.sh empties the run directory (and keeps its pgids file in it).
  for (const d of ['workerd', 'origin', 'apache']) fs.rmSync(path.join(runDir, d), { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
  fs.writeFileSync(path.join(runDir, 'state-dir'), `${stateDir}\n`);
  const results = { started_at: new Date().toISOString(), load_average_before: os.loadavg().map((l) => +l.toFixed(2)) };

  log(`starting the origin (${originKind}), the test provider and workerd${apacheRoot ? ' and Apache with mod_auth_openidc' : ''}`);
  const origin = await startOrigin();
  const idp = await startIdp();
  const workerd = await startWorkerd({ origin, idp });
  // The peer is optional: a failure to start or sign in leaves its column empty, with the reason.
  let apache = null;
  const apacheCookie = {};
  if (apacheRoot && !PROFILE && !args['logins-cpu']) {
    try {
      apache = await startApache({ origin, idp });
      apacheCookie.value = await loginApache(apache.url);
      const who = await status(apache.url, apacheCookie.value);
      if (who.status !== 200 || who.body !== 'bench@bench.test') throw new Error(`a fresh mod_auth_openidc session got ${who.status} ${who.body}`);
      results.apache = apache.version;
    } catch (e) {
      results.apache_problem = String(e.message ?? e).split('\n').slice(0, 4).join(' / ');
      log(`mod_auth_openidc: ${e.message ?? e}`);
      if (apache) await apache.group.stop();
      apache = null;
    }
  }
  results.workerd = workerd.version;
  results.origin = origin.kind;
  results.durable_object_storage = stateDir.startsWith('/dev/shm/') ? 'localDisk on tmpfs' : 'localDisk';
  const v = spawnSync(loadgenBin, ['--version'], { encoding: 'utf8' });
  results.loadgen = `${v.stdout}${v.stderr}`.split('\n')[0].trim().replace(/ Copyright.*/, '');

  // One real login per mode; its cookie is what the load generator sends.
  const cookies = {};
  for (const mode of ['strict', 'revalidate']) {
    cookies[mode] = await login(workerd.urls[mode], `bench-${mode}@bench.test`);
    const who = await status(workerd.urls[mode], cookies[mode]);
    if (who.status !== 200 || who.body !== `bench-${mode}@bench.test`) throw new Error(`${mode}: a fresh session got ${who.status} ${who.body}`);
    const anonymous = await status(workerd.urls[mode], '');
    if (anonymous.status !== 401) throw new Error(`${mode}: a request without a session got ${anonymous.status}`);
  }
  const skeletons = Object.keys(workerd.urls).filter((k) => k.startsWith('skeleton'));
  for (const name of skeletons) {
    const check = await status(workerd.urls[name], 'sso_session=bench-session', '/');
    if (check.status !== 200) throw new Error(`${name} answered ${check.status}`);
  }
  if (!workerd.urls['skeleton-rs']) results.skeleton_rs_problem = skeletonRsDir ? `no worker-build output in ${skeletonRsDir}` : 'not built (no --skeleton-rs)';
  log('sign-in works in both modes; measuring authenticated requests');

  const targets = [
    { name: 'origin', url: `${origin.url}/`, headers: {}, server: origin.group },
    ...skeletons.map((name) => ({ name, url: `${workerd.urls[name]}/`, headers: { cookie: 'sso_session=bench-session' }, server: workerd.group })),
    ...(apache ? [{ name: 'apache', url: `${apache.url}/`, headers: { cookie: apacheCookie.value }, server: apache.group }] : []),
    { name: 'strict', url: `${workerd.urls.strict}/`, headers: { cookie: cookies.strict }, server: workerd.group },
    { name: 'revalidate', url: `${workerd.urls.revalidate}/`, headers: { cookie: cookies.revalidate }, server: workerd.group },
  ];
  results.revalidate_secs = REVALIDATE_SECS;
  if (args['logins-cpu']) {
    results.login_cpu = await loginCpu(workerd.group, (email) => loginRetrying(workerd.urls.strict, email), Number(args['logins-cpu']));
    log(`login CPU: ${results.login_cpu.server_cpu_us_per_login} µs of workerd CPU per login over ${results.login_cpu.logins} logins (p50 ${results.login_cpu.p50_ms} ms)`);
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, JSON.stringify(results, null, 2));
    return;
  }
  if (PROFILE) {
    const target = PROFILE === 'logins' ? { name: 'logins' } : targets.find((t) => t.name === PROFILE);
    if (!target || !workerd.inspector) throw new Error(`--profile: one of strict, revalidate, ${skeletons.join(', ')}, logins`);
    await profile(target, workerd);
    return;
  }
  results.requests = [];
  for (const concurrency of CONCURRENCIES) {
    for (const t of targets) {
      runLoadgen(t.url, concurrency, WARMUP, t.headers);
      const cpu0 = groupCpuMicros(t.server.child.pid);
      const r = runLoadgen(t.url, concurrency, DURATION, t.headers);
      r.server_cpu_us_per_req = r.requests ? Math.round((groupCpuMicros(t.server.child.pid) - cpu0) / r.requests) : null;
      log(`${t.name.padEnd(12)} c=${String(concurrency).padEnd(3)} ${String(r.rps).padStart(6)} req/s  p50 ${r.p50_ms} ms  p99 ${r.p99_ms} ms  non-200 ${r.non_200}  errors ${r.errors}  server CPU ${r.server_cpu_us_per_req} µs/req`);
      results.requests.push({ target: t.name, concurrency, seconds: DURATION, ...r });
    }
  }

  if (args['requests-only']) {
    fs.writeFileSync(outFile, JSON.stringify(results, null, 2));
    return;
  }
  if (wrkBin && MANY_USERS > 0) {
    log(`many users: ${MANY_USERS} sign in, then strict load over one user's session vs all of them (wrk, c=${MANY_USERS_CONCURRENCY})`);
    try {
      results.many_users = await manyUsers(workerd);
    } catch (e) {
      results.many_users_problem = String(e.message ?? e).split('\n')[0];
      log(`many users: ${e.stack ?? e}${e.cause ? ` (${e.cause.code ?? e.cause.message})` : ''}`);
    }
  } else if (MANY_USERS > 0) {
    results.many_users_problem = 'no wrk (the many-users run sends a different cookie per request with a wrk Lua script)';
  }

  log(`full logins for ${LOGIN_SECONDS} s at concurrency ${LOGIN_CONCURRENCY}`);
  results.logins = await loginThroughput((email) => loginRetrying(workerd.urls.strict, email));
  log(`${results.logins.per_sec} logins/s (p50 ${results.logins.p50_ms} ms, ${results.logins.failures} failed)`);
  log(`CPU per login: ${LOGIN_CPU_COUNT} logins one after another`);
  results.login_cpu = await loginCpu(workerd.group, (email) => loginRetrying(workerd.urls.strict, email), LOGIN_CPU_COUNT);
  log(`login CPU: ${results.login_cpu.server_cpu_us_per_login} µs of workerd CPU per login (p50 ${results.login_cpu.p50_ms} ms, ${results.login_cpu.failures} failed${results.login_cpu.first_failure ? `: ${results.login_cpu.first_failure}` : ''})`);
  if (apache) {
    try {
      results.apache_logins = await loginThroughput(() => loginApache(apache.url));
      log(`mod_auth_openidc: ${results.apache_logins.per_sec} logins/s (p50 ${results.apache_logins.p50_ms} ms, ${results.apache_logins.failures} failed)`);
      results.apache_login_cpu = await loginCpu(apache.group, () => loginApache(apache.url), LOGIN_CPU_COUNT);
      log(`mod_auth_openidc: ${results.apache_login_cpu.server_cpu_us_per_login} µs of Apache CPU per login`);
    } catch (e) {
      results.apache_problem = `logins: ${String(e.message ?? e).split('\n')[0]}`;
      log(`mod_auth_openidc logins: ${e.stack ?? e}`);
    }
  }

  // One unreported Universal Logout first, so that the measured ones do not pay for
  // compiling its code paths (V8 compiles wasm functions lazily).
  const warm = await universalLogout(idp, workerd.urls.strict, 1, 'warm-up');
  if (warm.status !== 204) log(`the warm-up Universal Logout answered ${warm.status}: ${warm.answer ?? ''}`);
  results.universal_logout = [];
  for (const size of UL_SIZES) {
    const r = await universalLogout(idp, workerd.urls.strict, size);
    log(`Universal Logout of ${size} sessions: ${r.status} in ${r.ms_to_answer} ms; ${r.refused_after}/${r.checked} refused afterwards`);
    results.universal_logout.push(r);
  }
  // Still alive after all that (a crash would have turned answers into 5xx above).
  const after = await status(workerd.urls.strict, cookies.strict);
  results.unrelated_session_after_logouts = after.status;

  results.finished_at = new Date().toISOString();
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, JSON.stringify(results, null, 2));
}

main()
  .then(() => stopGroups())
  .then(() => process.exit(0))
  .catch(async (e) => {
    log(`end-to-end run failed: ${e.stack ?? e}`);
    await stopGroups();
    process.exit(1);
  });
