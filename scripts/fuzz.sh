#!/usr/bin/env bash
# `make fuzz`: runs every cargo-fuzz target in fuzz/ for FUZZ_SECONDS (default 30) from
# its committed seeds (fuzz/seeds/<target>/), and fails if any target crashes, hangs or
# runs out of memory. Not part of `make test`.
#
#   FUZZ_SECONDS=600 make fuzz                 # the 10-minute soak, per target
#   FUZZ_TARGETS="jwt return_to" make fuzz     # only these targets
#   FUZZ_PARALLEL=2 make fuzz                  # this many targets at once (one core each)
#   FUZZ_SANITIZER=address make fuzz           # default: none (the core is safe Rust)
#
# New interesting inputs go to fuzz/corpus/<target>/ (git-ignored); crash inputs to
# fuzz/artifacts/<target>/, to be kept as regression tests in the crate's unit tests.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"

seconds="${FUZZ_SECONDS:-30}"
parallel="${FUZZ_PARALLEL:-1}"
sanitizer="${FUZZ_SANITIZER:-none}"
toolchain="${FUZZ_TOOLCHAIN:-nightly}"
logs="$root/fuzz/target/fuzz-logs"

if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
  echo "fuzz: cargo-fuzz needs the '$toolchain' rustup toolchain, which is not installed" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi

targets="${FUZZ_TARGETS:-$(cargo +"$toolchain" fuzz list)}"
echo "fuzz: building the targets (sanitizer: $sanitizer)" >&2
cargo +"$toolchain" fuzz build --sanitizer "$sanitizer"

mkdir -p "$logs"
run_target() {
  local target="$1" log="$logs/$1.log"
  mkdir -p "corpus/$target" "seeds/$target"
  # libFuzzer adds new inputs to the first directory and only reads the seeds.
  if cargo +"$toolchain" fuzz run --sanitizer "$sanitizer" "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -dict=dict/edge-sso.dict -print_final_stats=1 >"$log" 2>&1; then
    local runs
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    echo "fuzz: $target ok (${seconds}s, $runs runs)"
  else
    echo "fuzz: $target FAILED; log: $log" >&2
    grep -E 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written to|Base64:' "$log" | head -20 >&2 || tail -30 "$log" >&2
    return 1
  fi
}

failed=0
running=0
for target in $targets; do
  run_target "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done

if [ "$failed" -ne 0 ]; then
  echo "fuzz: some targets crashed (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz: all targets ran clean for ${seconds}s each"
