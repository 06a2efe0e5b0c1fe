#!/usr/bin/env bash
# Runs the end-to-end tests of the built worker (build/entry.js, over build/index.js) in workerd (Miniflare).
# Usage: tests/run-e2e.sh [test files…]   (default: every tests/e2e/*.test.mjs)
# E2E_CONCURRENCY (default 2) test files run at once; E2E_KEEP_TMP=1 keeps tests/.tmp/worker-*.
set -euo pipefail
cd "$(dirname "$0")/.."

# E2E_WORKER_MAIN points the tests at another worker script (see tests/support/worker.mjs).
main=${E2E_WORKER_MAIN:-build/entry.js}
if [ ! -f "$main" ]; then
  echo "run-e2e: $main is missing; run \`make build\` first" >&2
  exit 1
fi
if [ ! -d node_modules/miniflare ] || [ ! -d node_modules/wrangler ]; then
  echo "run-e2e: node_modules (miniflare, wrangler) is missing; run scripts/bootstrap.sh (npm ci) first" >&2
  exit 1
fi

if [ "$#" -eq 0 ]; then
  set -- tests/e2e/*.test.mjs
fi
# A hung file fails after E2E_TIMEOUT_MS (each file, as a whole) instead of blocking the run.
exec node --test --test-concurrency="${E2E_CONCURRENCY:-2}" --test-timeout="${E2E_TIMEOUT_MS:-300000}" "$@"
