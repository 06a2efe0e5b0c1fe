#!/usr/bin/env bash
# Builds a rustup toolchain with the wasm32-unknown-unknown std from Debian's rustc-web
# packages, for machines where `rustup target add` cannot download.
# Usage: wasm-toolchain-from-debian.sh <prefix> <toolchain-name>
set -euo pipefail
PREFIX=$1
NAME=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
$SUDO apt-get update -qq >/dev/null 2>&1 || { echo "apt-get update failed" >&2; exit 1; }
VERSION=$(apt-cache policy rustc-web | awk '/Candidate:/ {print $2}')
[ -n "$VERSION" ] && [ "$VERSION" != "(none)" ] || { echo "no rustc-web package in the Debian archive" >&2; exit 1; }
RUST_MAJOR=$(echo "$VERSION" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
LLVM_MAJOR=$( (apt-cache depends "rust-web-llvm=$VERSION"; apt-cache depends "libstd-rust-web-$RUST_MAJOR=$VERSION") 2>/dev/null \
  | sed -nE 's/.*Depends: (llvm-|libllvm)([0-9]+).*/\2/p' | head -1)
[ -n "$LLVM_MAJOR" ] || { echo "cannot tell which LLVM rustc-web $VERSION uses" >&2; exit 1; }

echo "bootstrap: Debian rustc-web $VERSION with LLVM $LLVM_MAJOR" >&2
cd "$WORK"
apt-get download -qq "rustc-web=$VERSION" "libstd-rust-web-$RUST_MAJOR=$VERSION" "libstd-rust-web-dev=$VERSION" \
  "rust-web-src=$VERSION" "rust-web-clippy=$VERSION" "rust-web-llvm=$VERSION" "libllvm$LLVM_MAJOR" "lld-$LLVM_MAJOR" "liblld-$LLVM_MAJOR" >/dev/null \
  || { echo "apt-get download of the rustc-web packages failed" >&2; exit 1; }
rm -rf "$PREFIX"; mkdir -p "$PREFIX"
for deb in ./*.deb; do dpkg -x "$deb" "$PREFIX"; done
rm -f "$PREFIX/usr/bin/cargo"
LIBS="$PREFIX/usr/lib/x86_64-linux-gnu"
HOST_BIN="$PREFIX/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin"
mkdir -p "$HOST_BIN"
ln -sf "$PREFIX/usr/lib/llvm-$LLVM_MAJOR/bin/lld" "$HOST_BIN/rust-lld"

# std for wasm32, with bitcode so that release builds with lto link.
mkdir -p "$WORK/stdcrate/src"
cat > "$WORK/stdcrate/Cargo.toml" <<TOML
[package]
name = "stdbuild"
version = "0.0.0"
edition = "2021"
[lib]
crate-type = ["cdylib"]
[profile.release]
panic = "abort"
TOML
echo '' > "$WORK/stdcrate/src/lib.rs"
(cd "$WORK/stdcrate" && LD_LIBRARY_PATH="$LIBS" RUSTFLAGS=-Cembed-bitcode=yes RUSTC="$PREFIX/usr/bin/rustc" \
  RUSTC_BOOTSTRAP=1 \
  cargo build -q --release --target wasm32-unknown-unknown -Z build-std=std,panic_abort) \
  || { echo "building std for wasm32 failed" >&2; exit 1; }
TARGET_LIB="$PREFIX/usr/lib/rustlib/wasm32-unknown-unknown/lib"
mkdir -p "$TARGET_LIB"
cp "$WORK"/stdcrate/target/wasm32-unknown-unknown/release/deps/lib*.rlib "$TARGET_LIB/"
rustup toolchain link "$NAME" "$PREFIX/usr" >/dev/null
