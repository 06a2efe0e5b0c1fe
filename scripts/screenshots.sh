#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png (every page the worker serves, with a branding, and the
# demo origin after sign-in) by running the browser test with SCREENSHOTS=1 against a fresh build.
# Usage: bash scripts/screenshots.sh    (as root on a fresh machine: installs Chromium first)
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/browser/install-chromium.sh
make --no-print-directory build
SCREENSHOTS=1 node --test tests/browser/*.test.mjs
echo "screenshots: updated $(ls docs/screenshots/*.png | tr '\n' ' ')"
