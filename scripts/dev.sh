#!/usr/bin/env bash
# Runs the local stack in one terminal: the acme and globex dev IdPs, the initech dev IdP (not
# onboarded: the README's onboarding example adds it with a setup link or `make org-add`), the demo
# origin, the DNS-over-HTTPS stub that answers the setup wizard's TXT lookups for *.test domains from
# dev/dns/records.txt, and `wrangler dev`.
# Each process runs in its own process group with tagged output; Ctrl-C, or any of them exiting,
# stops them all. `make dev` calls this after building; it needs build/entry.js.
# Where state is kept: DEV_WORKER_STATE (the worker's Durable Objects and KV, default
# .wrangler/state) and DEV_ORIGIN_DATA (the demo origin's users, default dev/data).
set -euo pipefail
cd "$(dirname "$0")/.."

NODE=${NODE:-node}
WRANGLER=node_modules/.bin/wrangler
PORTS=(9000 9001 9002 9100 9053 8787 9229) # acme, globex, initech, origin, DNS stub, worker, worker inspector
PGIDS=()
TAGS=()

fail() { echo "dev: $*" >&2; exit 1; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[ -f build/entry.js ] || fail "build/entry.js is missing; run \`make build\` (or \`make dev\`) first"
[ -x "$WRANGLER" ] || fail "$WRANGLER is missing; run \`bash scripts/bootstrap.sh\` first"
for port in "${PORTS[@]}"; do
  answers "$port" && fail "port $port on 127.0.0.1 is already in use (another \`make dev\` still running?)"
done

# start TAG COMMAND...: runs COMMAND as the leader of a new session and process group, its
# output prefixed with [TAG] by a sed that ignores Ctrl-C, so the last words of a stopping
# process still show. setsid does not fork here (a background job of a script without
# job control is not a group leader), so $! is the new group's id.
start() {
  local tag=$1
  shift
  setsid "$@" < /dev/null > >(trap '' INT; exec sed -u "s/^/[$tag] /") 2>&1 &
  PGIDS+=("$!")
  TAGS+=("$tag")
}

stopped=
stop_all() {
  [ -n "$stopped" ] && return
  stopped=1
  trap - INT TERM
  local pgid
  for pgid in "${PGIDS[@]}"; do kill -TERM -- "-$pgid" 2>/dev/null || true; done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    local alive=
    for pgid in "${PGIDS[@]}"; do kill -0 -- "-$pgid" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.3
  done
  for pgid in "${PGIDS[@]}"; do kill -KILL -- "-$pgid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'echo; echo "dev: stopping"; exit 130' INT TERM

start acme "$NODE" dev/idp/server.mjs --org acme --port 9000
start globex "$NODE" dev/idp/server.mjs --org globex --port 9001
start initech "$NODE" dev/idp/server.mjs --org initech --port 9002
start origin "$NODE" dev/origin/server.mjs --port 9100 --data-dir "${DEV_ORIGIN_DATA:-dev/data}"
start dns "$NODE" dev/dns/server.mjs --port 9053 --records dev/dns/records.txt
start worker env WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false \
  "$WRANGLER" dev --ip 127.0.0.1 --port 8787 --inspector-port 9229 --persist-to "${DEV_WORKER_STATE:-.wrangler/state}" \
  --show-interactive-dev-session=false

# Wait until every process serves requests (not merely accepts connections: wrangler dev's
# proxy listens on 8787 before the worker behind it is loaded), or give up naming the one
# that exited or did not answer.
"$NODE" scripts/dev-ready.mjs --timeout-secs "${DEV_READY_TIMEOUT_SECS:-60}" \
  "acme=${PGIDS[0]}=http://127.0.0.1:9000/.well-known/openid-configuration" \
  "globex=${PGIDS[1]}=http://127.0.0.1:9001/.well-known/openid-configuration" \
  "initech=${PGIDS[2]}=http://127.0.0.1:9002/.well-known/openid-configuration" \
  "origin=${PGIDS[3]}=http://127.0.0.1:9100/#any" \
  "dns=${PGIDS[4]}=http://127.0.0.1:9053/dns-query?name=ready.test&type=TXT" \
  "worker=${PGIDS[5]}=http://127.0.0.1:8787/_sso/healthz" \
  || exit 1

echo
echo "dev: ready. Open http://127.0.0.1:8787/ and sign in as alice@acme.test / correct-horse-battery-staple"
echo "dev: (globex: carol@globex.test, same password; initech's IdP on :9002 is not onboarded yet: README, \"Onboard a customer\")."
echo "dev: operator console: http://127.0.0.1:8787/_sso/admin/ (alice@acme.test). Ctrl-C stops everything."
echo

# Run until Ctrl-C or until any of the processes exits.
dead_tag() {
  local i
  for i in "${!PGIDS[@]}"; do
    kill -0 "${PGIDS[$i]}" 2>/dev/null || { echo "${TAGS[$i]}"; return 0; }
  done
  return 1
}
set +e
wait -n "${PGIDS[@]}"
status=$?
tag=$(dead_tag) || tag=?
echo "dev: [$tag] exited (status $status); stopping the others" >&2
exit 1
