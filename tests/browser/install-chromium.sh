#!/usr/bin/env bash
# Installs what the browser test (tests/browser/) needs: Debian's Chromium, driven by
# playwright-core (from package.json) through its `executablePath`. Never
# `npx playwright install`, which downloads a browser and fails on these machines.
# Idempotent: when /usr/bin/chromium already runs, it returns at once without apt.
# Needs root (or sudo) for apt-get; prints one line when it installs, and on failure
# one line saying what and why, exiting non-zero.
set -euo pipefail

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# DejaVu is the font the screenshots under docs/screenshots/ were taken with.
PACKAGES=(chromium fonts-dejavu-core)

fail() { echo "install-chromium: cannot install Chromium: $*" >&2; exit 1; }
works() { [ -x "$CHROMIUM" ] && "$CHROMIUM" --version >/dev/null 2>&1 && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; }

works && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null; then
  SUDO=(sudo -n)
else
  fail "apt-get needs root (run this script as root, or install: apt-get install ${PACKAGES[*]})"
fi

echo "install-chromium: apt-get install ${PACKAGES[*]} (about a minute)" >&2
export DEBIAN_FRONTEND=noninteractive
apt_install() { "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >/dev/null 2>&1; }
if ! apt_install; then
  # A fresh machine may have no package lists yet, or stale ones.
  "${SUDO[@]}" apt-get update -q >/dev/null 2>&1 || fail "apt-get update failed (is the Debian archive reachable?)"
  apt_install || fail "apt-get install ${PACKAGES[*]} failed (run it by hand to see why)"
fi
works || fail "$CHROMIUM --version does not run after apt-get install"
