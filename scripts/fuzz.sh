#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time and fails on the first crash.
#
#   scripts/fuzz.sh [TARGET...]     (default: every [[bin]] of fuzz/Cargo.toml)
#   FUZZ_SECONDS=60                 time per target
#
# The machine has one stable toolchain, so cargo-fuzz runs with RUSTC_BOOTSTRAP=1 (it passes
# -Z flags) and without a sanitizer: libFuzzer's coverage guidance and Rust's own checks
# (bounds, overflow in debug assertions, panics) find what we look for, a panic on garbage.
# New inputs go to a scratch directory; the checked-in corpus under fuzz/corpus/<target>/
# is only read (the ordinary tests replay it). A crash leaves its input in fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-60}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
cp ../Cargo.lock Cargo.lock
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^voice-otp-fuzz$')
fi
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  echo "fuzz: $t for ${seconds}s"
  status=0
  cargo fuzz run --sanitizer none --debug-assertions "$t" "$scratch/$t" "corpus/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$scratch/$t.log" 2>&1 || status=$?
  grep -E '^stat::(number_of_executed_units|new_units_added)' "$scratch/$t.log" || true
  if [ "$status" -ne 0 ]; then
    tail -40 "$scratch/$t.log" >&2
    echo "fuzz: $t failed (exit $status); a crash input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
