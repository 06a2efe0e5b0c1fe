#!/usr/bin/env bash
# Builds the deployable worker (build/index.js + wasm) with worker-build; skips the
# work when nothing it is made from changed since the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .toolchain.env ] || bash scripts/bootstrap.sh
# shellcheck disable=SC1091
source .toolchain.env
if [ -f build/index.js ] && [ -z "$(find src Cargo.toml Cargo.lock -newer build/index.js -print -quit)" ]; then
  exit 0
fi
echo "build: worker-build --release" >&2
export RUSTUP_TOOLCHAIN=$RUSTUP_TOOLCHAIN_WASM
if [ -n "$LD_LIBRARY_PATH_WASM" ]; then export LD_LIBRARY_PATH=$LD_LIBRARY_PATH_WASM${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; fi
worker-build --release >build.log 2>&1 || { tail -40 build.log >&2; echo "build: worker-build failed (full log: build.log)" >&2; exit 1; }
touch build/index.js
