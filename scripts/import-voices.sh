#!/usr/bin/env bash
# Imports the human spelling sets of Debian's asterisk-core-sounds-{en,es,fr,it,ru}-wav
# (installed by scripts/install-deps.sh) into data/voices/ with
# `voice-otp audio import-asterisk`. The recordings are CC-BY-SA 3.0 (see NOTICE): they are
# imported on each machine at set-up, never committed.
#
# Idempotent and quiet: a set already imported from the same source is left alone; nothing
# is printed unless something is imported. Usage: scripts/import-voices.sh VOICE_OTP_BIN [OUT]
set -euo pipefail
bin="$1"
out="${2:-data/voices}"
sounds=/usr/share/asterisk/sounds

# Asterisk directory | locale | gender
while IFS='|' read -r dir lang gender; do
  src="$sounds/$dir"
  [ -d "$src" ] || continue
  g="$(printf '%s' "$gender" | tr 'A-Z' 'a-z')"
  stamp="$out/$lang/$g/.source"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$src" ]; then
    continue
  fi
  "$bin" audio import-asterisk "$src" --lang "$lang" --gender "$gender" --recorded "$out"
  printf '%s' "$src" > "$stamp"
done <<'SETS'
en_US_f_Allison|en-US|Female
es_MX_f_Allison|es-MX|Female
fr_CA_f_June|fr-CA|Female
it_IT_m_Carlo|it-IT|Male
ru_RU_f_IvrvoiceRU|ru-RU|Female
SETS
