#!/bin/sh
# Builds and runs the spandsp dtmf_rx timing program on the bench frames.
# Needs libspandsp-dev (scripts/install-deps.sh installs it). Run from anywhere.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${TMPDIR:-/tmp}/dtmf_rx_bench
cc -O2 -o "$out" "$root/scripts/spandsp-bench/dtmf_rx_bench.c" $(pkg-config --cflags --libs spandsp) -lm
"$out" "$root/fixtures/dtmf/bench_speech_8k.raw" "${1:-5}"
