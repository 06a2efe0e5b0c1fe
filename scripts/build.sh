#!/usr/bin/env bash
# Builds a deployable worker with worker-build (build/index.js + wasm), then puts
# edge-sso's entry module next to it (build/entry.js, from src/edge/entry.js: the
# worker plus its Durable Object classes as `DurableObject`s, called over RPC); skips
# worker-build when nothing it is made from changed since the last build.
# Usage: build.sh [crate dir, default: the repository root]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
[ -f .toolchain.env ] || bash scripts/bootstrap.sh
# shellcheck disable=SC1091
source .toolchain.env
cd "${1:-.}"
if [ ! -f build/index.js ] || [ -n "$(find "$ROOT/src" "$ROOT/Cargo.toml" "$ROOT/Cargo.lock" src Cargo.toml Cargo.lock -newer build/index.js ! -name entry.js -print -quit 2>/dev/null)" ]; then
  echo "build: worker-build --release in ${1:-.}" >&2
  export RUSTUP_TOOLCHAIN=$RUSTUP_TOOLCHAIN_WASM
  if [ -n "$LD_LIBRARY_PATH_WASM" ]; then export LD_LIBRARY_PATH=$LD_LIBRARY_PATH_WASM${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; fi
  worker-build --release >build.log 2>&1 || { tail -40 build.log >&2; echo "build: worker-build failed (full log: build.log)" >&2; exit 1; }
  touch build/index.js
fi
cmp -s "$ROOT/src/edge/entry.js" build/entry.js || cp "$ROOT/src/edge/entry.js" build/entry.js
