#!/bin/sh
# Regenerates the independent G.711 reference used by crates/media/tests/media/g711_bit_exact_against_sox.rs.
# sox (not our code) encodes every 16-bit linear value and decodes every 8-bit code, so the
# test compares our tables with a separate implementation. -D: no dither, exact mapping.
set -eu
out="$(dirname "$0")/../fixtures/media/g711"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# All 65,536 linear inputs, -32768..32767, little-endian signed 16-bit.
perl -e 'print pack("s<*", -32768 .. 32767)' > "$tmp/all.raw"
# All 256 codes, 0..255.
perl -e 'print pack("C*", 0 .. 255)' > "$tmp/codes.raw"
for law in a-law u-law; do
  sox -D -t raw -r 8000 -e signed -b 16 -c 1 -L "$tmp/all.raw" -t raw -e "$law" -b 8 "$out/encode-$law.raw"
  sox -D -t raw -r 8000 -e "$law" -b 8 -c 1 "$tmp/codes.raw" -t raw -e signed -b 16 -L "$out/decode-$law.raw"
done
