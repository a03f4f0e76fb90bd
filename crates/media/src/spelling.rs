//! Spelling sets: the 36 recordings (`0`-`9`, `a`-`z`) a Default code is read with, and
//! the import of human recordings from an Asterisk sounds directory.
//!
//! Every file of a set, shipped or imported, is prepared the same way (as
//! `scripts/gen-audio.sh` does for the synthesised sets): 8 kHz mono 16-bit, leading and
//! trailing sound below 0.5 % of full scale (-46 dBFS) cut, then set to an RMS level of
//! [`TARGET_RMS_DBFS`] over the trimmed file. So a human set and a synthesised set are
//! equally loud, and the configured pauses are exactly the pauses a callee hears.
//!
//! An imported set is a directory `<c>.wav` for every character, plus
//! `phonetic/<letter>.wav` (the spelling alphabet's word, "November" for `n`) when the
//! source has a `phonetic/` directory.

use std::path::{Path, PathBuf};

use crate::g711::{alaw_decode, ulaw_decode};
use crate::resample::Resampler;
use crate::{MediaError, SAMPLE_RATE, wav};

/// The characters of a spelling set, in the order they are imported and checked.
pub const SPELLING_CHARACTERS: &str = "0123456789abcdefghijklmnopqrstuvwxyz";

/// The loudness of every spelling and prompt file: RMS level over the trimmed file.
pub const TARGET_RMS_DBFS: f64 = -20.0;

/// Near-silence threshold of trimming: 0.5 % of full scale, as sox's `silence` in
/// `scripts/gen-audio.sh`.
const TRIM_THRESHOLD: u16 = 164;

/// How a code's letters are spoken (`letter-style` in the API).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum LetterStyle {
    /// The letter's name: "N".
    #[default]
    Name,
    /// The letter's name, then its word of the language's spelling alphabet: "N, November".
    Phonetic,
}

impl LetterStyle {
    /// Parses the API's names (`name`, `phonetic`) in any letter case.
    pub fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("name") {
            Some(LetterStyle::Name)
        } else if s.eq_ignore_ascii_case("phonetic") {
            Some(LetterStyle::Phonetic)
        } else {
            None
        }
    }

    /// The API's name: `name` or `phonetic`.
    pub fn as_str(self) -> &'static str {
        match self {
            LetterStyle::Name => "name",
            LetterStyle::Phonetic => "phonetic",
        }
    }
}

/// What [`import_asterisk`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportedSet {
    /// Character files written (always 36).
    pub characters: usize,
    /// Phonetic-alphabet words written (26, or 0 when the source has none).
    pub phonetic: usize,
}

/// Cuts leading and trailing near-silence (below -46 dBFS), so pauses between characters
/// are exactly the configured ones. All-quiet input is returned unchanged.
pub fn trim_silence(samples: Vec<i16>) -> Vec<i16> {
    let loud = |s: &i16| s.unsigned_abs() > TRIM_THRESHOLD;
    match (
        samples.iter().position(loud),
        samples.iter().rposition(loud),
    ) {
        (Some(a), Some(b)) => samples[a..=b].to_vec(),
        _ => samples,
    }
}

/// Trims `samples` and sets them to [`TARGET_RMS_DBFS`], the rules of every shipped file.
/// Peaks the gain would push past full scale are held just below it, so nothing clips.
pub fn prepare_spelling_audio(samples: Vec<i16>) -> Vec<i16> {
    let mut s = trim_silence(samples);
    if s.is_empty() {
        return s;
    }
    let mean_square = s.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / s.len() as f64;
    if mean_square == 0.0 {
        return s;
    }
    let rms_db = 10.0 * (mean_square / (32768.0 * 32768.0)).log10();
    let gain = 10f64.powf((TARGET_RMS_DBFS - rms_db) / 20.0);
    for v in &mut s {
        *v = (f64::from(*v) * gain).round().clamp(-32767.0, 32766.0) as i16;
    }
    s
}

/// `<dst>.import-<pid>`: where a set is written before it replaces `dst`.
fn staging_dir(dst: &Path) -> PathBuf {
    let mut name = dst.file_name().unwrap_or_default().to_owned();
    name.push(format!(".import-{}", std::process::id()));
    dst.with_file_name(name)
}

/// The source file of `name` (`digits/7`) in an Asterisk sounds directory, in the first
/// format found: WAV (any rate or encoding [`wav::decode_wav`] reads), then Asterisk's raw
/// formats `sln16` (16 kHz), `sln` (8 kHz, signed linear), `alaw` and `ulaw`.
const ASTERISK_FORMATS: [&str; 5] = ["wav", "sln16", "sln", "alaw", "ulaw"];

fn find_asterisk_file(dir: &Path, name: &str) -> Option<PathBuf> {
    ASTERISK_FORMATS
        .iter()
        .map(|ext| dir.join(format!("{name}.{ext}")))
        .find(|p| p.is_file())
}

/// Reads one Asterisk sound file (see [`ASTERISK_FORMATS`]) as 8 kHz mono samples.
fn read_asterisk_file(path: &Path) -> Result<Vec<i16>, MediaError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext == "wav" {
        return wav::read_wav_file(path);
    }
    let bytes = std::fs::read(path).map_err(|e| MediaError::io(path, e))?;
    let linear = |b: &[u8]| -> Vec<i16> {
        b.chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect()
    };
    Ok(match ext {
        "sln16" => {
            let wide: Vec<f32> = linear(&bytes).iter().map(|&v| f32::from(v)).collect();
            Resampler::new(16_000, SAMPLE_RATE)?
                .process(&wide)
                .into_iter()
                .map(|v| v.round().clamp(-32768.0, 32767.0) as i16)
                .collect()
        }
        "sln" => linear(&bytes),
        "alaw" => bytes.iter().map(|&b| alaw_decode(b)).collect(),
        _ => bytes.iter().map(|&b| ulaw_decode(b)).collect(),
    })
}

/// The Asterisk names of a set's files: (`digits/7`, `7`) and (`letters/q`, `q`).
fn character_sources() -> impl Iterator<Item = (String, char)> {
    SPELLING_CHARACTERS.chars().map(|c| {
        let dir = if c.is_ascii_digit() {
            "digits"
        } else {
            "letters"
        };
        (format!("{dir}/{c}"), c)
    })
}

/// Imports a spelling set from an Asterisk sounds directory (`digits/<n>.wav`,
/// `letters/<x>.wav`, optionally `phonetic/<x>_p.wav`) into `dst` as `<c>.wav` (and
/// `phonetic/<x>.wav`), each prepared by [`prepare_spelling_audio`].
///
/// Nothing is written unless every character is there: a source lacking some is
/// [`MediaError::IncompleteSpellingSource`], naming each missing file. A `phonetic/`
/// directory, when present, must likewise hold all 26 letters.
pub fn import_asterisk(src: &Path, dst: &Path) -> Result<ImportedSet, MediaError> {
    let mut sources = Vec::new();
    let mut missing = Vec::new();
    for (name, c) in character_sources() {
        match find_asterisk_file(src, &name) {
            Some(p) => sources.push((p, format!("{c}.wav"))),
            None => missing.push(name),
        }
    }
    let phonetic_dir = src.join("phonetic");
    let with_phonetic = phonetic_dir.is_dir();
    if with_phonetic {
        for c in SPELLING_CHARACTERS
            .chars()
            .filter(char::is_ascii_alphabetic)
        {
            let name = format!("phonetic/{c}_p");
            match find_asterisk_file(src, &name) {
                Some(p) => sources.push((p, format!("phonetic/{c}.wav"))),
                None => missing.push(name),
            }
        }
    }
    if !missing.is_empty() {
        return Err(MediaError::IncompleteSpellingSource {
            dir: src.to_owned(),
            missing,
        });
    }
    // Decode everything first: a file that does not decode leaves `dst` untouched.
    let mut prepared = Vec::with_capacity(sources.len());
    for (path, out) in sources {
        prepared.push((prepare_spelling_audio(read_asterisk_file(&path)?), out));
    }
    // Written beside `dst` and renamed into place, so a daemon reading the set never sees
    // half of it.
    let staging = staging_dir(dst);
    let _ = std::fs::remove_dir_all(&staging);
    let dirs = staging.join("phonetic");
    std::fs::create_dir_all(&dirs).map_err(|e| MediaError::io(&dirs, e))?;
    for (samples, out) in &prepared {
        wav::write_wav_file(&staging.join(out), samples)?;
    }
    if !with_phonetic {
        let _ = std::fs::remove_dir(&dirs);
    }
    if dst.exists() {
        std::fs::remove_dir_all(dst).map_err(|e| MediaError::io(dst, e))?;
    }
    std::fs::rename(&staging, dst).map_err(|e| MediaError::io(dst, e))?;
    Ok(ImportedSet {
        characters: SPELLING_CHARACTERS.len(),
        phonetic: if with_phonetic { 26 } else { 0 },
    })
}
