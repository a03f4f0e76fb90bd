//! The words of the `require-keypress` prompt: "press N to hear your code" in the call's
//! language, spoken by the same TTS path as every other TTS prompt.

use voice_otp_dtmf::Digit;
use voice_otp_media::{PromptSource, Voice};

/// The sentence per language (the part of the locale before `-`); `{n}` is the key.
const SENTENCES: &[(&str, &str)] = &[
    ("en", "Press {n} to hear your code."),
    ("nl", "Druk op {n} om uw code te horen."),
    ("de", "Drücken Sie {n}, um Ihren Code zu hören."),
    ("fr", "Appuyez sur {n} pour entendre votre code."),
    ("es", "Pulse {n} para escuchar su código."),
    ("it", "Premi {n} per ascoltare il tuo codice."),
    ("pt", "Prima {n} para ouvir o seu código."),
    ("sv", "Tryck {n} för att höra din kod."),
    ("da", "Tryk {n} for at høre din kode."),
    ("nb", "Trykk {n} for å høre koden din."),
    ("no", "Trykk {n} for å høre koden din."),
    ("fi", "Paina {n} kuullaksesi koodisi."),
    ("pl", "Naciśnij {n}, aby usłyszeć swój kod."),
];

/// The prompt asking for `digit`, and the voice to speak it with: the call's own, or
/// en-GB's when the call's language has no sentence here (a sentence in a language the
/// voice does not speak would be read wrongly).
pub fn keypress_prompt(digit: Digit, voice: &Voice) -> (PromptSource, Voice) {
    let language = voice.language.split('-').next().unwrap_or("");
    let found = SENTENCES
        .iter()
        .find(|(lang, _)| lang.eq_ignore_ascii_case(language));
    let (sentence, voice) = match found {
        Some((_, sentence)) => (*sentence, voice.clone()),
        None => (
            SENTENCES[0].1,
            Voice {
                language: "en-GB".to_owned(),
                number: 1,
                ..voice.clone()
            },
        ),
    };
    let text = sentence.replace("{n}", &digit.as_char().to_string());
    (PromptSource::Tts(text), voice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_follows_the_language_and_names_the_key() {
        let voice = Voice {
            language: "nl-NL".to_owned(),
            ..Voice::default()
        };
        let (source, spoken) = keypress_prompt(Digit::D7, &voice);
        assert_eq!(
            source,
            PromptSource::Tts("Druk op 7 om uw code te horen.".to_owned())
        );
        assert_eq!(spoken.language, "nl-NL");
    }

    #[test]
    fn a_language_without_a_sentence_is_asked_in_english() {
        let voice = Voice {
            language: "cy-GB".to_owned(),
            ..Voice::default()
        };
        let (source, spoken) = keypress_prompt(Digit::D3, &voice);
        assert_eq!(
            source,
            PromptSource::Tts("Press 3 to hear your code.".to_owned())
        );
        assert_eq!(spoken.language, "en-GB");
    }
}
