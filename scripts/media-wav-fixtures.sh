#!/bin/sh
# Regenerates fixtures/media/wav/: 1 kHz tones at half scale in the WAV encodings
# voice-otp-media reads (written by sox, an independent writer), also used as the seed
# corpus of the `wav` fuzz target (fuzz/corpus/wav/).
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/fixtures/media/wav"
mkdir -p "$out" "$root/fuzz/corpus/wav"
cd "$out"
sox -D -n -r 8000 -c 1 -e a-law tone-alaw.wav synth 0.1 sine 1000 vol 0.5
sox -D -n -r 8000 -c 1 -e u-law tone-ulaw.wav synth 0.1 sine 1000 vol 0.5
sox -D -n -r 44100 -c 2 -b 24 tone-44k-stereo-24.wav synth 0.05 sine 1000 vol 0.5
sox -D -n -r 48000 -c 1 -e floating-point -b 32 tone-48k-float.wav synth 0.05 sine 1000 vol 0.5
sox -D -n -r 16000 -c 1 -b 16 -e signed tone-16k.wav synth 0.05 sine 1000 vol 0.5
sox -D -n -r 11025 -c 1 -b 8 -e unsigned tone-11k-u8.wav synth 0.05 sine 1000 vol 0.5
sox -D -n -r 22050 -c 2 -b 16 -e signed -t wavpcm tone-22k-stereo-plain.wav synth 0.05 sine 1000 vol 0.5
sox -D -n -r 32000 -c 1 -b 32 -e signed tone-32k-s32.wav synth 0.05 sine 1000 vol 0.5
cp ./*.wav "$root/fuzz/corpus/wav/"
