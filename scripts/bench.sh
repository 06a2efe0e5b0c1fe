#!/usr/bin/env bash
# `make bench`: what every request, login and logout costs, beside baselines measured
# in the same run. Prints one table and writes the same numbers to bench/out/results.json.
# Budgets are checked and reported (PASS/FAIL), never turned into a failing exit status;
# the script exits non-zero only when it could not measure at all.
#
# Sections: wasm size; native criterion micro-benchmarks (benches/core.rs); end to end
# under plain `workerd serve` (bench/e2e.mjs) against nginx and a fast test provider
# (bench/idp.mjs), with baselines: three skeleton workers (bench/skeleton.mjs over
# `stub.fetch`, bench/skeleton-rpc.mjs over RPC, bench/skeleton-rs in workers-rs), nginx
# answering directly, and a peer, Apache with mod_auth_openidc.
#
# Environment knobs (all optional):
#   BENCH_DURATION=5        seconds per load run (plus 1 s of warm-up each)
#   BENCH_LOADGEN=auto      auto | oha | wrk (auto: oha once installed; until then wrk, while
#                           oha compiles in the background across runs; oha: wait for it)
#   BENCH_OHA_WAIT_UNTIL=0  with auto, wait for that compile until this many seconds into the run
#   BENCH_SKIP_BUILD=1      measure build/ as it is (no bootstrap, no build)
#   BENCH_SKIP_MICRO=1 / BENCH_SKIP_E2E=1
#   BENCH_SKIP_PEER=1       no Apache + mod_auth_openidc column
#   BENCH_MANY_USERS=1000   users of the many-users run (0: skip it)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
RUN=$OUT/run
CACHE=${EDGE_SSO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edge-sso}
DURATION=${BENCH_DURATION:-5}
T0=$(date +%s)
mkdir -p "$OUT" "$CACHE"
rm -rf "$OUT/criterion" "$OUT/e2e.json" "$OUT/results.json" "$OUT/problems.json" "$RUN"
mkdir -p "$RUN"
: >"$RUN/pgids"

say() { echo "bench: $*" >&2; }
elapsed() { echo "$(($(date +%s) - T0))s"; }
PROBLEMS=()
problem() { # $1 section, $2 what went wrong (one line)
  say "$1: $2"
  PROBLEMS+=("$1" "$2")
}

# Every process group the bench started (bench/e2e.mjs records its children's), killed
# on any exit: normal, error or signal.
cleanup() {
  local pgid
  [ -f "$RUN/pgids" ] || return 0
  while read -r pgid; do [ -n "$pgid" ] && kill -TERM -- "-$pgid" 2>/dev/null; done <"$RUN/pgids"
  sleep 0.3
  while read -r pgid; do [ -n "$pgid" ] && kill -KILL -- "-$pgid" 2>/dev/null; done <"$RUN/pgids"
  # Durable Object state that bench/e2e.mjs put on tmpfs, if it could not remove it itself.
  if [ -f "$RUN/state-dir" ]; then
    local dir
    dir=$(cat "$RUN/state-dir")
    case $dir in /dev/shm/edge-sso-bench-*) rm -rf "$dir" ;; esac
  fi
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Runs a command in its own process group, recorded for cleanup, and waits for it.
in_group() {
  setsid "$@" &
  local pid=$!
  echo "$pid" >>"$RUN/pgids"
  wait "$pid"
}

# --- 1. tools: the origin (nginx) and the load generator (oha, or wrk) ----------------------
apt_updated=
apt_update() { [ -n "$apt_updated" ] || { apt-get update -qq >/dev/null 2>&1; apt_updated=1; }; }

NGINX=
if command -v nginx >/dev/null; then
  NGINX=$(command -v nginx)
elif [ -x "$CACHE/nginx/usr/sbin/nginx" ]; then
  NGINX=$CACHE/nginx/usr/sbin/nginx
else
  # Debian's nginx, unpacked into a private prefix: installing the package would start a
  # system service on port 80.
  say "fetching Debian's nginx into $CACHE/nginx"
  tmp=$(mktemp -d)
  if (cd "$tmp" && { apt-get download nginx >/dev/null 2>&1 || { apt_update; apt-get download nginx >/dev/null 2>&1; }; }) \
    && dpkg -x "$tmp"/nginx_*.deb "$CACHE/nginx" && "$CACHE/nginx/usr/sbin/nginx" -v >/dev/null 2>&1; then
    NGINX=$CACHE/nginx/usr/sbin/nginx
  else
    problem origin "nginx could not be fetched from Debian; using the Node origin (bench/origin.mjs) instead"
  fi
  rm -rf "$tmp"
fi
ORIGIN_ARG=${NGINX:+nginx:$NGINX}
ORIGIN_ARG=${ORIGIN_ARG:-node:}

# The peer: Debian's Apache and mod_auth_openidc, unpacked likewise into $CACHE/apache
# (with the shared libraries this machine lacks), never installed or started as a service.
APACHE=
apache_ok() { # $1: a root with usr/sbin/apache2 and mod_auth_openidc.so
  local libs
  libs=$(find "$1/usr/lib" -maxdepth 1 -type d -name '*-linux-gnu' 2>/dev/null | paste -sd: -)
  [ -x "$1/usr/sbin/apache2" ] && [ -f "$1/usr/lib/apache2/modules/mod_auth_openidc.so" ] \
    && LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$1/usr/sbin/apache2" -v >/dev/null 2>&1 \
    && ! LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} ldd "$1/usr/lib/apache2/modules/mod_auth_openidc.so" | grep -q 'not found'
}
fetch_apache() { # into $CACHE/apache: the two packages, then (twice) their dependencies that are not installed
  local tmp want deb dep pkg round
  tmp=$(mktemp -d)
  want=(apache2-bin libapache2-mod-auth-openidc)
  for round in 1 2 3; do
    for pkg in "${want[@]}"; do
      compgen -G "$tmp/${pkg}_*.deb" >/dev/null && continue
      (cd "$tmp" && { apt-get download "$pkg" >/dev/null 2>&1 || { apt_update; apt-get download "$pkg" >/dev/null 2>&1; }; }) || true
    done
    [ "$round" = 3 ] && break
    want=()
    for deb in "$tmp"/*.deb; do
      [ -f "$deb" ] || continue
      # "a (>= 1), b | c, d:any": the first alternative of each, without version or arch.
      while read -r dep; do
        dep=${dep%%|*}; dep=${dep%%(*}; dep=${dep%%:*}; dep=$(echo "$dep" | tr -d ' ')
        [ -n "$dep" ] || continue
        dpkg -s "$dep" >/dev/null 2>&1 && continue
        want+=("$dep")
      done < <(dpkg-deb -f "$deb" Depends | tr ',' '\n')
    done
  done
  rm -rf "$CACHE/apache"
  mkdir -p "$CACHE/apache"
  for deb in "$tmp"/*.deb; do
    [ -f "$deb" ] || continue
    dpkg -x "$deb" "$CACHE/apache" && dpkg-deb -f "$deb" Package Version | paste -sd' ' - >>"$CACHE/apache/versions.txt"
  done
  rm -rf "$tmp"
  sed -i 's/^Package: //; s/ Version: / /' "$CACHE/apache/versions.txt" 2>/dev/null
}
if [ -z "${BENCH_SKIP_PEER:-}" ] && [ -z "${BENCH_SKIP_E2E:-}" ]; then
  if apache_ok "$CACHE/apache"; then
    APACHE=$CACHE/apache
  else
    say "fetching Debian's apache2-bin and libapache2-mod-auth-openidc into $CACHE/apache"
    fetch_apache
    if apache_ok "$CACHE/apache"; then APACHE=$CACHE/apache; else problem peer "Apache with mod_auth_openidc could not be fetched from Debian (or misses libraries); no peer column"; fi
  fi
fi

LOADGEN=${BENCH_LOADGEN:-auto}
LOADGEN_ARG=
OHA_PID=
find_oha() {
  if command -v oha >/dev/null; then command -v oha; elif [ -x "$CACHE/oha/bin/oha" ]; then echo "$CACHE/oha/bin/oha"; else return 1; fi
}
if [ "$LOADGEN" != wrk ] && [ -z "${BENCH_SKIP_E2E:-}" ]; then
  if OHA=$(find_oha); then
    LOADGEN_ARG=oha:$OHA
  else
    # oha takes ~7 CPU-minutes to compile: build it in the background (one job, lowest
    # priority) while the micro-benchmarks run. Its build directory is kept, so a compile
    # cut short (see step 4) resumes on the next run.
    # (With BENCH_LOADGEN=oha the run waits for it anyway: full speed.)
    say "cargo install oha --locked, in the background ($(elapsed))"
    slow=(nice -n 19 cargo install -j 1)
    [ "$LOADGEN" = oha ] && slow=(cargo install)
    CARGO_TARGET_DIR=$CACHE/oha-build setsid "${slow[@]}" -q oha --locked --root "$CACHE/oha" >"$OUT/oha-install.log" 2>&1 &
    OHA_PID=$!
    echo "$OHA_PID" >>"$RUN/pgids"
  fi
fi

# --- 2. the worker -------------------------------------------------------------------------
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  say "bootstrap and build ($(elapsed))"
  bash scripts/bootstrap.sh || problem build "scripts/bootstrap.sh failed"
  bash scripts/build.sh || problem build "scripts/build.sh failed"
fi
if [ ! -f build/index_bg.wasm ] || [ ! -f build/index.js ] || [ ! -f build/entry.js ]; then problem build "build/entry.js, build/index.js or build/index_bg.wasm is missing"; fi

# The workers-rs skeleton: its own crate (bench/skeleton-rs, outside the edge-sso package
# and its workspace), built like the worker, again only when its sources changed. Its
# cargo target directory lives in $CACHE, so that a fresh clone compiles only the crate.
SKELETON_RS=$ROOT/bench/skeleton-rs
build_skeleton_rs() (
  set -e
  # shellcheck disable=SC1091
  source .toolchain.env
  export RUSTUP_TOOLCHAIN=$RUSTUP_TOOLCHAIN_WASM CARGO_TARGET_DIR=$CACHE/skeleton-rs-target
  if [ -n "$LD_LIBRARY_PATH_WASM" ]; then export LD_LIBRARY_PATH=$LD_LIBRARY_PATH_WASM${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; fi
  cd "$SKELETON_RS"
  # worker-build needs the wasm-bindgen CLI that bootstrap installed for edge-sso's own lock file.
  bindgen_want=$(grep -A1 '^name = "wasm-bindgen"$' "$ROOT/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')
  bindgen_have=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
  if [ -n "$bindgen_want" ] && [ "$bindgen_want" != "$bindgen_have" ]; then cargo update -q -p wasm-bindgen --precise "$bindgen_want"; fi
  worker-build --release
)
if [ -z "${BENCH_SKIP_E2E:-}" ]; then
  if [ -f "$SKELETON_RS/build/index.js" ] && [ -z "$(find "$SKELETON_RS/src" "$SKELETON_RS/Cargo.toml" "$SKELETON_RS/Cargo.lock" -newer "$SKELETON_RS/build/index.js" -print -quit)" ]; then
    :
  else
    say "worker-build the workers-rs skeleton (bench/skeleton-rs) ($(elapsed))"
    if build_skeleton_rs >"$OUT/skeleton-rs-build.log" 2>&1; then
      touch "$SKELETON_RS/build/index.js"
    else
      tail -20 "$OUT/skeleton-rs-build.log" >&2
      problem skeleton-rs "worker-build failed (bench/out/skeleton-rs-build.log); no workers-rs skeleton column"
    fi
  fi
fi

# --- 3. native micro-benchmarks --------------------------------------------------------------
if [ -z "${BENCH_SKIP_MICRO:-}" ]; then
  say "criterion micro-benchmarks (benches/core.rs) ($(elapsed))"
  # The release profile's opt-level ("z", as shipped), without its LTO and single codegen
  # unit, which only slow the compile down; criterion's own command-line and report
  # dependencies unoptimized (they are not what is measured).
  export CARGO_PROFILE_BENCH_LTO=false CARGO_PROFILE_BENCH_CODEGEN_UNITS=16
  harness=()
  for p in clap clap_builder clap_lex anstyle regex regex-automata regex-syntax ciborium ciborium-io ciborium-ll tinytemplate walkdir criterion-plot itertools; do
    harness+=(--config "profile.bench.package.$p.opt-level=0")
  done
  echo '{"opt_level":"z (release profile)","lto":false,"codegen_units":16}' >"$OUT/criterion-profile.json"
  if ! CRITERION_HOME=$OUT/criterion in_group cargo "${harness[@]}" bench -q --features fixtures --bench core -- --noplot >"$OUT/criterion.log" 2>&1; then
    tail -20 "$OUT/criterion.log" >&2
    problem micro "cargo bench failed (bench/out/criterion.log)"
  fi
else
  problem micro "skipped (BENCH_SKIP_MICRO)"
fi

# --- 4. end to end under workerd serve -------------------------------------------------------
if [ -n "$OHA_PID" ]; then
  # BENCH_LOADGEN=oha waits for the compile. auto never idles for it (that would push the
  # bench past ten minutes): if it has not finished by now, wrk measures this run and the
  # next run resumes the compile. BENCH_OHA_WAIT_UNTIL=<seconds into the run> waits longer.
  until_s=${BENCH_OHA_WAIT_UNTIL:-0}
  [ "$LOADGEN" = oha ] && until_s=100000
  [ "$(($(date +%s) - T0))" -lt "$until_s" ] && kill -0 "$OHA_PID" 2>/dev/null && say "waiting for the oha compile ($(elapsed))"
  while kill -0 "$OHA_PID" 2>/dev/null && [ "$(($(date +%s) - T0))" -lt "$until_s" ]; do sleep 2; done
  if kill -0 "$OHA_PID" 2>/dev/null; then
    kill -TERM -- "-$OHA_PID" 2>/dev/null
    wait "$OHA_PID" 2>/dev/null
    problem loadgen "oha is still compiling in the background; wrk measures this run (the next run resumes the compile)"
  elif wait "$OHA_PID" && OHA=$(find_oha); then
    LOADGEN_ARG=oha:$OHA
  else
    problem loadgen "cargo install oha failed (bench/out/oha-install.log); using wrk"
  fi
fi
if [ -z "$LOADGEN_ARG" ] && [ -z "${BENCH_SKIP_E2E:-}" ]; then
  if ! command -v wrk >/dev/null; then
    say "apt-get install wrk"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 \
      || { apt_update; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; }
  fi
  if command -v wrk >/dev/null; then LOADGEN_ARG=wrk:$(command -v wrk); else problem e2e "no load generator: neither oha nor wrk could be installed"; fi
fi
# The many-users run sends a different cookie with each request: wrk with a Lua script.
MANY_USERS=${BENCH_MANY_USERS:-1000}
WRK=
if [ -z "${BENCH_SKIP_E2E:-}" ] && [ "$MANY_USERS" != 0 ]; then
  if ! command -v wrk >/dev/null; then
    say "apt-get install wrk (the many-users run)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 \
      || { apt_update; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; }
  fi
  if command -v wrk >/dev/null; then WRK=$(command -v wrk); else problem many-users "wrk could not be installed; no many-users run"; fi
fi
if [ -z "${BENCH_SKIP_E2E:-}" ] && [ -n "$LOADGEN_ARG" ] && [ -f build/index_bg.wasm ]; then
  say "end to end under workerd serve with $LOADGEN_ARG and origin $ORIGIN_ARG ($(elapsed))"
  extra=()
  [ -f "$SKELETON_RS/build/index_bg.wasm" ] && extra+=(--skeleton-rs "$SKELETON_RS/build")
  [ -n "$APACHE" ] && extra+=(--apache "$APACHE")
  [ -n "$WRK" ] && extra+=(--wrk "$WRK")
  in_group node bench/e2e.mjs --out "$OUT/e2e.json" --run-dir "$RUN" --loadgen "$LOADGEN_ARG" --origin "$ORIGIN_ARG" --duration "$DURATION" \
    --many-users "$MANY_USERS" "${extra[@]}" \
    || problem e2e "bench/e2e.mjs failed (logs in bench/out/run/)"
elif [ -n "${BENCH_SKIP_E2E:-}" ]; then
  problem e2e "skipped (BENCH_SKIP_E2E)"
fi

# --- 5. the table ----------------------------------------------------------------------------
node -e 'const a=process.argv.slice(1);const o={};for(let i=0;i<a.length;i+=2)o[a[i]]=a[i+1];console.log(JSON.stringify(o))' \
  "${PROBLEMS[@]+"${PROBLEMS[@]}"}" >"$OUT/problems.json"
node bench/report.mjs --out "$OUT" || exit 1
say "done in $(elapsed)"
