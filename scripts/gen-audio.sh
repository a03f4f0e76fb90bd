#!/bin/sh
# Generates the shipped default audio under audio/ (committed; rerun after changing voices
# or texts): spelling/<lang>/<char>.wav for 0-9 and a-z, spelling/<lang>/phonetic/<letter>.wav
# (the language's spelling-alphabet word, for `letter-style: phonetic`), and
# prompts/<lang>/{intro,code,replay,outro}.wav, for every language below: one set for each
# language the TTS engine speaks, so no call reads a code in another language.
# Usage: gen-audio.sh [OUT] [LANG...] (default: every language).
#
# Every file is: spoken by espeak-ng with the voice the TTS engine uses for that language's
# Female 1 voice (see voice-otp-media's crate docs), or by the voice the table names where
# a measured candidate was clearer (en-GB: flite's awb, docs/intelligibility.md "Synthesis
# candidates for en-GB"), converted by sox to 8 kHz mono 16-bit,
# leading and trailing silence trimmed, then set to one loudness: an RMS level of -20 dBFS
# over the trimmed file (crates/media/tests/media/shipped_audio_is_uniform.rs checks it).
#
# Needs espeak-ng, flite, sox and awk. Deterministic: sox runs without dither (-D).
#
# GEN_AUDIO_VOICE=V renders the languages asked for with voice V instead (an espeak-ng
# voice such as en-gb+m3, or flite:NAME for a flite voice, which gets the text without
# SSML tags): how the candidate voices of docs/intelligibility.md were made, the same way
# as the shipped sets.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/audio}"
[ $# -gt 0 ] && shift
only=" $* "
target_db=-20
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# render VOICE SSML OUTFILE
render() {
  case "$1" in
    flite:*)
      # flite reads no SSML; a lone capital is spelled as its letter name.
      text="$(printf '%s' "$2" | sed 's/<[^>]*>//g')"
      [ ${#text} -eq 1 ] && text="$(printf '%s' "$text" | tr a-z A-Z)"
      flite -voice "${1#flite:}" -t "$text" -o "$tmp/raw.wav" ;;
    *) espeak-ng -v "$1" -m -w "$tmp/raw.wav" "$2" ;;
  esac
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
  [ "$only" = "  " ] || case "$only" in *" $lang "*) ;; *) continue ;; esac
  voice="${GEN_AUDIO_VOICE:-$voice}"
  mkdir -p "$out/spelling/$lang/phonetic" "$out/prompts/$lang"
  for c in 0 1 2 3 4 5 6 7 8 9 a b c d e f g h i j k l m n o p q r s t u v w x y z; do
    render "$voice" "<speak><say-as interpret-as=\"characters\">$c</say-as></speak>" \
      "$out/spelling/$lang/$c.wav"
  done
  words="$(grep "^$lang|" <<'ALPHABETS' | cut -d'|' -f2
en-GB|Alpha Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett Kilo Lima Mike November Oscar Papa Quebec Romeo Sierra Tango Uniform Victor Whiskey X-ray Yankee Zulu
en-US|Alpha Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett Kilo Lima Mike November Oscar Papa Quebec Romeo Sierra Tango Uniform Victor Whiskey X-ray Yankee Zulu
nl-NL|Anton Bernard Cornelis Dirk Eduard Ferdinand Gerard Hendrik Izaak Johannes Karel Lodewijk Maria Nico Otto Pieter Quirinus Rudolf Simon Teunis Utrecht Victor Willem Xantippe Ypsilon Zaandam
de-DE|Anton Berta Cäsar Dora Emil Friedrich Gustav Heinrich Ida Julius Kaufmann Ludwig Martha Nordpol Otto Paula Quelle Richard Samuel Theodor Ulrich Viktor Wilhelm Xanthippe Ypsilon Zacharias
fr-FR|Anatole Berthe Célestin Désiré Eugène François Gaston Henri Irma Joseph Kléber Louis Marcel Nicolas Oscar Pierre Quintal Raoul Suzanne Thérèse Ursule Victor William Xavier Yvonne Zoé
es-ES|Antonio Barcelona Carmen Dolores Enrique Francia Gerona Historia Inés José Kilo Lorenzo Madrid Navarra Oviedo París Querido Ramón Sábado Tarragona Ulises Valencia Washington Xilófono Yegua Zaragoza
it-IT|Ancona Bologna Como Domodossola Empoli Firenze Genova Hotel Imola Jolly Kappa Livorno Milano Napoli Otranto Padova Quarto Roma Savona Torino Udine Venezia Washington Xeres York Zara
pt-PT|Aveiro Braga Coimbra Dafundo Évora Faro Guarda Horta Itália José Kodak Lisboa Maria Nazaré Ovar Porto Queluz Rossio Setúbal Tavira Unidade Vidago Washington Xavier York Zulmira
sv-SE|Adam Bertil Cesar David Erik Filip Gustav Helge Ivar Johan Kalle Ludvig Martin Niklas Olof Petter Quintus Rudolf Sigurd Tore Urban Viktor Wilhelm Xerxes Yngve Zäta
da-DK|Anna Bernhard Cecilie David Erik Frederik Georg Hans Ida Johan Karen Ludvig Mari Nikolaj Odin Peter Quintus Rasmus Søren Theodor Ulla Viggo William Xerxes Yrsa Zakarias
nb-NO|Anna Bernhard Caesar David Edith Fredrik Gustav Harald Ivar Johan Karin Ludvig Martin Nils Olivia Petter Quintus Rikard Sigrid Teodor Ulrik Enkelt-V Dobbelt-V Xerxes Yngling Zakarias
fi-FI|Aarne Bertta Celsius Daavid Eemeli Faarao Gideon Heikki Iivari Jussi Kalle Lauri Matti Niilo Otto Paavo Kuu Risto Sakari Tyyne Urho Vihtori Wiski Äksä Yrjö Tseta
pl-PL|Adam Barbara Celina Dorota Ewa Franciszek Genowefa Henryk Irena Jadwiga Karol Ludwik Marek Natalia Olga Paweł Quebec Roman Stefan Tadeusz Urszula Violetta Wanda Xawery Ypsylon Zygmunt
ru-RU|Альфа Браво Чарли Дельта Эхо Фокстрот Гольф Отель Индия Джульетта Кило Лима Майк Ноябрь Оскар Папа Квебек Ромео Сьерра Танго Униформ Виктор Виски Икс-рей Янки Зулу
ALPHABETS
)"
  set -- $words
  for c in a b c d e f g h i j k l m n o p q r s t u v w x y z; do
    render "$voice" "<speak>$1</speak>" "$out/spelling/$lang/phonetic/$c.wav"
    shift
  done
  render "$voice" "<speak>$intro</speak>" "$out/prompts/$lang/intro.wav"
  render "$voice" "<speak>$code</speak>" "$out/prompts/$lang/code.wav"
  render "$voice" "<speak>$replay</speak>" "$out/prompts/$lang/replay.wav"
  render "$voice" "<speak>$outro</speak>" "$out/prompts/$lang/outro.wav"
  echo "$lang done"
done <<'LANGS'
en-GB|flite:awb|Hello, this is your verification call.|Your code is|Press 1 to hear the code again.|Goodbye.
en-US|en-us+f1|Hello, this is your verification call.|Your code is|Press 1 to hear the code again.|Goodbye.
nl-NL|nl+f1|Hallo, dit is uw verificatieoproep.|Uw code is|Druk op 1 om de code nogmaals te horen.|Tot ziens.
de-DE|de+f1|Hallo, dies ist Ihr Bestätigungsanruf.|Ihr Code lautet|Drücken Sie die 1, um den Code erneut zu hören.|Auf Wiederhören.
fr-FR|fr-fr+f1|Bonjour, ceci est votre appel de vérification.|Votre code est|Appuyez sur 1 pour réécouter le code.|Au revoir.
es-ES|es+f1|Hola, esta es su llamada de verificación.|Su código es|Pulse 1 para escuchar el código de nuevo.|Adiós.
it-IT|it+f1|Buongiorno, questa è la sua chiamata di verifica.|Il suo codice è|Prema 1 per riascoltare il codice.|Arrivederci.
pt-PT|pt+f1|Olá, esta é a sua chamada de verificação.|O seu código é|Prima 1 para ouvir o código novamente.|Adeus.
sv-SE|sv+f1|Hej, det här är ditt verifieringssamtal.|Din kod är|Tryck 1 för att höra koden igen.|Hej då.
da-DK|da+f1|Hej, dette er dit bekræftelsesopkald.|Din kode er|Tryk 1 for at høre koden igen.|Farvel.
nb-NO|nb+f1|Hei, dette er din bekreftelsessamtale.|Koden din er|Trykk 1 for å høre koden igjen.|Ha det.
fi-FI|fi+f1|Hei, tämä on vahvistuspuhelusi.|Koodisi on|Paina 1 kuullaksesi koodin uudelleen.|Näkemiin.
pl-PL|pl+f1|Dzień dobry, to jest połączenie weryfikacyjne.|Twój kod to|Naciśnij 1, aby ponownie usłyszeć kod.|Do widzenia.
ru-RU|ru+f1|Здравствуйте, это ваш проверочный звонок.|Ваш код|Нажмите 1, чтобы прослушать код ещё раз.|До свидания.
LANGS
