#!/usr/bin/env bash
# Installs everything `make build`, `make dev` and `make test` need, idempotently.
# Prints one line per missing piece it installs; when something cannot be installed
# it says what and why in one line and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${EDGE_SSO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edge-sso}
WASM_TOOLCHAIN=edge-sso-wasm
mkdir -p "$CACHE"

fail() { echo "bootstrap: cannot install $1: $2" >&2; exit 1; }
lockver() { awk -v n="$1" '$0=="name = \""n"\"" {getline; gsub(/version = |"/,""); print; exit}' Cargo.lock; }

# --- 1. the wasm32-unknown-unknown target -------------------------------------------
has_wasm_std() { # $1: toolchain
  local dir
  dir=$(RUSTUP_TOOLCHAIN="$1" rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null) || return 1
  compgen -G "$dir/libstd-*.rlib" >/dev/null || return 1
  # `make lint` runs clippy for wasm32 with the same toolchain.
  RUSTUP_TOOLCHAIN="$1" cargo clippy --version >/dev/null 2>&1
}
wasm_toolchain() {
  local default
  default=$(rustup show active-toolchain 2>/dev/null | awk '{print $1}')
  if has_wasm_std "$default"; then echo "$default"; return; fi
  if rustup toolchain list | grep -q "^$WASM_TOOLCHAIN" && has_wasm_std "$WASM_TOOLCHAIN"; then
    echo "$WASM_TOOLCHAIN"; return
  fi
  return 1
}
if ! TOOLCHAIN=$(wasm_toolchain); then
  echo "bootstrap: adding the wasm32-unknown-unknown target" >&2
  if timeout 60 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 && TOOLCHAIN=$(wasm_toolchain); then
    :
  else
    echo "bootstrap: rustup cannot download the target; building it from Debian's rustc-web" >&2
    bash scripts/wasm-toolchain-from-debian.sh "$CACHE/rust-web" "$WASM_TOOLCHAIN" \
      || fail "the wasm32 target" "neither rustup nor Debian's rustc-web packages worked (see above)"
    TOOLCHAIN=$(wasm_toolchain) || fail "the wasm32 target" "the Debian toolchain was built but has no wasm32 std"
  fi
fi

# --- 2. Node.js (wrangler 4.86 accepts Node >= 20) ---------------------------------------
command -v node >/dev/null || fail "Node.js" "node is not on PATH; install Node 20 or newer (apt-get install nodejs)"
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
[ "$NODE_MAJOR" -ge 20 ] || fail "wrangler" "Node $NODE_MAJOR is too old; wrangler 4.86 needs Node 20 or newer"

# --- 3. npm packages (wrangler, workerd, oidc-provider, binaryen, playwright-core) -----
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.edge-sso-lock; then
  echo "bootstrap: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || fail "npm packages" "npm ci failed (is the npm registry reachable?)"
  cp package-lock.json node_modules/.edge-sso-lock
fi
[ -x node_modules/.bin/wasm-opt ] || fail "wasm-opt" "node_modules/.bin/wasm-opt is missing after npm ci"

# --- 3b. Chromium for the browser test (Debian package) ------------------------------
bash tests/browser/install-chromium.sh || exit 1

# --- 4. wasm-bindgen-cli, exactly the version Cargo.lock pins -----------------------------
WB_VERSION=$(lockver wasm-bindgen)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $NF}')" != "$WB_VERSION" ]; then
  echo "bootstrap: cargo install wasm-bindgen-cli $WB_VERSION (about 2 minutes)" >&2
  cargo install -q wasm-bindgen-cli --version "=$WB_VERSION" --force >/dev/null 2>&1 \
    || fail "wasm-bindgen-cli $WB_VERSION" "cargo install failed (is crates.io reachable?)"
fi

# --- 5. worker-build, the version of the worker crate --------------------------------------
WORKER_VERSION=$(lockver worker)
if [ "$(worker-build --version 2>/dev/null | awk '{print $NF}')" != "$WORKER_VERSION" ]; then
  echo "bootstrap: cargo install worker-build $WORKER_VERSION (about 3 minutes)" >&2
  cargo install -q worker-build --version "=$WORKER_VERSION" --force >/dev/null 2>&1 \
    || fail "worker-build $WORKER_VERSION" "cargo install failed (is crates.io reachable?)"
fi

# Remember what the build needs, for the Makefile.
cat > "$ROOT/.toolchain.env" <<ENV
export RUSTUP_TOOLCHAIN_WASM=$TOOLCHAIN
export WASM_BINDGEN_BIN=$(command -v wasm-bindgen)
export WASM_OPT_BIN=$ROOT/node_modules/.bin/wasm-opt
export LD_LIBRARY_PATH_WASM=$( [ "$TOOLCHAIN" = "$WASM_TOOLCHAIN" ] && echo "$CACHE/rust-web/usr/lib/x86_64-linux-gnu" || true)
ENV
