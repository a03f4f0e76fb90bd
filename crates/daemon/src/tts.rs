//! Whether a request's TTS voice can be spoken: its language must be one espeak-ng knows
//! (exactly, like `en-gb`, or by its base language, like `nl` for `nl-NL`).

use std::collections::HashSet;
use std::sync::OnceLock;

use voice_otp_media::Voice;

/// The languages `espeak-ng --voices` lists, lower case; empty if espeak-ng is missing.
fn espeak_languages() -> &'static HashSet<String> {
    static LANGS: OnceLock<HashSet<String>> = OnceLock::new();
    LANGS.get_or_init(|| {
        let Ok(out) = std::process::Command::new("espeak-ng")
            .arg("--voices")
            .output()
        else {
            return HashSet::new();
        };
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().nth(1))
            .map(str::to_ascii_lowercase)
            .collect()
    })
}

/// Ok when the voice's language can be synthesised.
pub(crate) fn check_voice(voice: &Voice) -> Result<(), String> {
    let langs = espeak_languages();
    let lang = voice.language.to_ascii_lowercase();
    let base = lang.split('-').next().unwrap_or("");
    if langs.contains(&lang) || langs.contains(base) {
        Ok(())
    } else {
        Err(format!(
            "language {} is not supported by the TTS engine",
            voice.language
        ))
    }
}
