#!/bin/sh
# Generates the shipped default audio under audio/ (committed; rerun after changing voices
# or texts): spelling/<lang>/<char>.wav for 0-9 and a-z, and
# prompts/<lang>/{intro,code,replay,outro}.wav, for every language below.
#
# Every file is: spoken by espeak-ng with the voice the TTS engine uses for that language's
# Female 1 voice (see voice-otp-media's crate docs), converted by sox to 8 kHz mono 16-bit,
# leading and trailing silence trimmed, then set to one loudness: an RMS level of -20 dBFS
# over the trimmed file (crates/media/tests/media/shipped_audio_is_uniform.rs checks it).
#
# Needs espeak-ng, sox and awk. Deterministic: sox runs without dither (-D).
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/audio}"
target_db=-20
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# render VOICE SSML OUTFILE
render() {
  espeak-ng -v "$1" -m -w "$tmp/raw.wav" "$2"
  # Trim at -46 dBFS (0.5%) from both ends, then resample with sox's very high quality filter.
  sox -D "$tmp/raw.wav" -b 16 -c 1 "$tmp/trim.wav" \
    silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse rate -v 8000
  rms=$(sox "$tmp/trim.wav" -n stats 2>&1 | awk '/^RMS lev dB/ {print $4}')
  gain=$(awk -v t="$target_db" -v r="$rms" 'BEGIN { printf "%.3f", t - r }')
  sox -D "$tmp/trim.wav" "$3" gain "$gain"
}

# lang voice intro code replay outro
while IFS='|' read -r lang voice intro code replay outro; do
  [ -n "$lang" ] || continue
  mkdir -p "$out/spelling/$lang" "$out/prompts/$lang"
  for c in 0 1 2 3 4 5 6 7 8 9 a b c d e f g h i j k l m n o p q r s t u v w x y z; do
    render "$voice" "<speak><say-as interpret-as=\"characters\">$c</say-as></speak>" \
      "$out/spelling/$lang/$c.wav"
  done
  render "$voice" "<speak>$intro</speak>" "$out/prompts/$lang/intro.wav"
  render "$voice" "<speak>$code</speak>" "$out/prompts/$lang/code.wav"
  render "$voice" "<speak>$replay</speak>" "$out/prompts/$lang/replay.wav"
  render "$voice" "<speak>$outro</speak>" "$out/prompts/$lang/outro.wav"
  echo "$lang done"
done <<'LANGS'
en-GB|en-gb+f1|Hello, this is your verification call.|Your code is|Press 1 to hear the code again.|Goodbye.
en-US|en-us+f1|Hello, this is your verification call.|Your code is|Press 1 to hear the code again.|Goodbye.
nl-NL|nl+f1|Hallo, dit is uw verificatieoproep.|Uw code is|Druk op 1 om de code nogmaals te horen.|Tot ziens.
de-DE|de+f1|Hallo, dies ist Ihr Bestätigungsanruf.|Ihr Code lautet|Drücken Sie die 1, um den Code erneut zu hören.|Auf Wiederhören.
fr-FR|fr-fr+f1|Bonjour, ceci est votre appel de vérification.|Votre code est|Appuyez sur 1 pour réécouter le code.|Au revoir.
es-ES|es+f1|Hola, esta es su llamada de verificación.|Su código es|Pulse 1 para escuchar el código de nuevo.|Adiós.
LANGS
