//! The committed default audio (audio/, made by scripts/gen-audio.sh) is complete for every
//! shipped language (characters, spelling-alphabet words, prompts), 8 kHz mono 16-bit,
//! trimmed, and all files are within 1 dB of one loudness (RMS level of the trimmed file,
//! as the script sets it); and every language the TTS speaks has a set of its own language.

use std::path::{Path, PathBuf};

const LANGUAGES: [&str; 14] = [
    "en-GB", "en-US", "nl-NL", "de-DE", "fr-FR", "es-ES", "it-IT", "pt-PT", "sv-SE", "da-DK",
    "nb-NO", "fi-FI", "pl-PL", "ru-RU",
];

fn audio() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../audio")
}

fn all_files() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for lang in LANGUAGES {
        for c in ('0'..='9').chain('a'..='z') {
            v.push(audio().join(format!("spelling/{lang}/{c}.wav")));
        }
        for c in 'a'..='z' {
            v.push(audio().join(format!("spelling/{lang}/phonetic/{c}.wav")));
        }
        for p in ["intro", "code", "replay", "outro"] {
            v.push(audio().join(format!("prompts/{lang}/{p}.wav")));
        }
    }
    v
}

fn read(path: &Path) -> Vec<i16> {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let s = r.spec();
    assert_eq!(
        (
            s.sample_rate,
            s.channels,
            s.bits_per_sample,
            s.sample_format
        ),
        (8000, 1, 16, hound::SampleFormat::Int),
        "{}",
        path.display()
    );
    r.samples::<i16>().map(Result::unwrap).collect()
}

fn rms_dbfs(s: &[i16]) -> f64 {
    let ms = s.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / s.len() as f64;
    10.0 * (ms / (32768.0 * 32768.0)).log10()
}

#[test]
fn every_language_has_all_characters_and_prompts_in_the_right_format() {
    for f in all_files() {
        let s = read(&f);
        assert!(s.len() > 400, "{} is only {} samples", f.display(), s.len());
        // Never clipped.
        assert!(
            s.iter().all(|&v| v != i16::MIN && v != i16::MAX),
            "{} clips",
            f.display()
        );
    }
}

#[test]
fn all_files_are_within_1_db_of_one_loudness() {
    let levels: Vec<(f64, PathBuf)> = all_files()
        .into_iter()
        .map(|f| (rms_dbfs(&read(&f)), f))
        .collect();
    let (lo, hi) = levels
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), (l, _)| {
            (lo.min(*l), hi.max(*l))
        });
    assert!(hi - lo <= 1.0, "levels span {lo:.2}..{hi:.2} dBFS");
}

#[test]
fn leading_and_trailing_silence_is_trimmed() {
    // The script trims at 0.5 % of full scale (-46 dBFS); a 20 ms window at each end must
    // already contain sound above that.
    for f in all_files() {
        let s = read(&f);
        let loud = |w: &[i16]| w.iter().any(|&v| v.unsigned_abs() > 164);
        assert!(loud(&s[..160]), "{} starts with silence", f.display());
        assert!(
            loud(&s[s.len() - 160..]),
            "{} ends with silence",
            f.display()
        );
    }
}

#[test]
fn every_tts_language_reads_codes_and_prompts_in_its_own_language() {
    let root = voice_otp_media::AudioRoot::new(None, audio());
    for tag in voice_otp_media::tts_languages() {
        // Norwegian: `no` is written Bokmål (`nb`).
        let primary = match tag.split('-').next().unwrap() {
            "no" => "nb",
            p => p,
        };
        let set = root.spelling_language(tag);
        assert!(
            set.to_ascii_lowercase().starts_with(primary),
            "{tag} reads codes with the {set} set"
        );
        let prompt = root
            .default_prompt(tag, voice_otp_media::DefaultPrompt::Code)
            .unwrap();
        let dir = prompt
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            dir.to_ascii_lowercase().starts_with(primary),
            "{tag} says its code prompt from {dir}"
        );
    }
}
