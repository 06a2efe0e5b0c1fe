#!/usr/bin/env bash
# `make lint`: the crate is formatted, clippy (native and wasm32, with the lints in
# Cargo.toml's [lints]) has nothing to say, and tests/README.md describes every test file.
# Any warning fails.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .toolchain.env ] || bash scripts/bootstrap.sh
# shellcheck disable=SC1091
source .toolchain.env

echo "lint: cargo fmt --check" >&2
cargo fmt --check
(cd fuzz && cargo fmt --check)
(cd examples/protect-my-worker && cargo fmt --check)
(cd bench/skeleton-rs && cargo fmt --check)

echo "lint: cargo clippy (native: the core, its tests and benches)" >&2
cargo clippy --all-targets --features fixtures --locked --quiet -- -D warnings

echo "lint: cargo clippy (wasm32: the Workers adapter)" >&2
(
  export RUSTUP_TOOLCHAIN=$RUSTUP_TOOLCHAIN_WASM
  if [ -n "$LD_LIBRARY_PATH_WASM" ]; then export LD_LIBRARY_PATH=$LD_LIBRARY_PATH_WASM${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; fi
  cargo clippy --lib --target wasm32-unknown-unknown --locked --quiet -- -D warnings
)

echo "lint: tests/README.md lists every test file" >&2
missing=0
for file in $(git ls-files 'tests/*.test.mjs'); do
  grep -qF "$(basename "$file")" tests/README.md || { echo "lint: $file is not described in tests/README.md" >&2; missing=1; }
done
[ "$missing" = 0 ]
