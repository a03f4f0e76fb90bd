#!/bin/sh
# Larger talk-off run than the test (crates/dtmf/tests/inband_talk_off.rs):
# every espeak-ng voice (all languages) reads a long text at two pitch/speed
# settings and a variant, loud (-1 dBFS peak), through A-law. Counts the key
# presses reported by `voice-otp dtmf` and by spandsp's dtmf_rx on the same
# audio. Usage: crates/dtmf/scripts/talkoff-corpus.sh [max_voices]
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
max=${1:-1000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build -q --manifest-path "$root/Cargo.toml" -p voice-otp-daemon
bin="$root/target/debug/voice-otp"
cc -O2 -o "$work/spandsp" "$root/scripts/spandsp-bench/dtmf_rx_bench.c" $(pkg-config --cflags --libs spandsp) -lm
text="The quick brown fox jumps over the lazy dog, while five or six big jet planes zoomed quickly by the tower. Your one time password is seven, three, nine, one. Please press one to hear the code again, or hang up if you have written it down. Hello? Yes, I am listening; who is calling at this hour of the night? Ooh, aah, eee, mmm, hmm, well, that is really very interesting indeed, isn't it? One, two, three, four, five, six, seven, eight, nine, zero."
seconds=0; ours=0; theirs=0; clips=0
for voice in $(espeak-ng --voices | awk 'NR>1{print $2}' | head -n "$max"); do
  for setting in "-p 20 -s 140 +m3" "-p 80 -s 200 +f2"; do
    set -- $setting
    espeak-ng -v "$voice$5" "$1" "$2" "$3" "$4" -w "$work/s.wav" "$text" 2>/dev/null || continue
    sox -q "$work/s.wav" -r 8000 -c 1 -e a-law -t al - gain -n -1 |
      sox -q -t al -r 8000 -c 1 - -e signed-integer -b 16 "$work/c.wav"
    sox -q "$work/c.wav" -t raw "$work/c.raw"
    d=$(soxi -D "$work/c.wav")
    o=$("$bin" dtmf "$work/c.wav" | wc -l)
    t=$("$work/spandsp" detect "$work/c.raw" | cut -f1)
    [ "$o" -gt 0 ] && echo "voice-otp: $voice $setting: $("$bin" dtmf "$work/c.wav" | tr '\n' ' ')"
    [ "$t" -gt 0 ] && echo "spandsp:   $voice $setting: $("$work/spandsp" detect "$work/c.raw")"
    seconds=$(echo "$seconds + $d" | bc -l); ours=$((ours + o)); theirs=$((theirs + t)); clips=$((clips + 1))
  done
done
hours=$(echo "$seconds / 3600" | bc -l)
printf 'clips %d, speech %.2f h\n' "$clips" "$hours"
printf 'voice-otp false detections: %d (%.1f per hour)\n' "$ours" "$(echo "$ours / $hours" | bc -l)"
printf 'spandsp   false detections: %d (%.1f per hour)\n' "$theirs" "$(echo "$theirs / $hours" | bc -l)"
