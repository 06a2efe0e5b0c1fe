#!/usr/bin/env bash
# The core stays sans-IO: only src/edge/ may name the `worker` crate (docs excepted).
set -euo pipefail
cd "$(dirname "$0")/.."
if grep -rnE '(^|[^a-z_])(worker|wasm_bindgen|js_sys)::' src --include=*.rs | grep -v '^src/edge/' | grep -vE '^[^:]+:[0-9]+:\s*//'; then
  echo "check-core: the lines above use the Workers runtime outside src/edge/" >&2
  exit 1
fi
