//! The one error type of the media crate.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::ssml::TextError;

/// Everything that can go wrong turning a request into audio.
///
/// No variant carries the OTP code: a missing spelling file names the file (as the API
/// contract requires), which reveals one character's file name and nothing else.
///
/// `Clone`, so that one failed render shared by many callers (single-flight) reaches each
/// of them; OS errors are behind an `Arc` for that.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the OS said.
        source: Arc<std::io::Error>,
    },
    /// The input ended before a structure it declares was complete.
    #[error("WAV is truncated: {0}")]
    WavTruncated(&'static str),
    /// The input is not a RIFF/WAVE file.
    #[error("not a RIFF/WAVE file")]
    WavNotRiff,
    /// A required chunk (`fmt ` or `data`) is missing.
    #[error("WAV has no `{0}` chunk")]
    WavMissingChunk(&'static str),
    /// The `fmt ` chunk is inconsistent (zero channels, bad block alignment, ...).
    #[error("WAV format is invalid: {0}")]
    WavInvalidFormat(&'static str),
    /// A sample encoding this crate does not read.
    #[error("unsupported WAV encoding: format tag {format_tag:#06x}, {bits} bits per sample")]
    WavUnsupportedEncoding {
        /// The `wFormatTag` (or the sub-format of an extensible WAV).
        format_tag: u16,
        /// Bits per sample.
        bits: u16,
    },
    /// A sample rate outside 8 to 48 kHz.
    #[error("unsupported WAV sample rate {0} Hz (8000 to 48000 supported)")]
    WavUnsupportedRate(u32),
    /// More channels than this crate mixes down.
    #[error("unsupported WAV channel count {0} (1 to 8 supported)")]
    WavUnsupportedChannels(u16),
    /// The audio is longer than a prompt may be.
    #[error("WAV is too long: {seconds} s (at most {max} s)")]
    WavTooLong {
        /// Declared length in seconds.
        seconds: u64,
        /// The limit in seconds.
        max: u64,
    },
    /// A code character outside `[0-9A-Za-z]` (the character itself is not shown).
    #[error("code contains a character outside [0-9A-Za-z]")]
    InvalidCodeCharacter,
    /// A code with no characters.
    #[error("code is empty")]
    EmptyCode,
    /// A Custom (or Default) spelling file that does not exist.
    #[error("missing spelling file {0}")]
    MissingSpelling(String),
    /// A directory to import a spelling set from lacks some characters' recordings.
    #[error("{} lacks {}", dir.display(), missing.join(", "))]
    IncompleteSpellingSource {
        /// The source directory.
        dir: PathBuf,
        /// The missing sounds, as `digits/4` or `letters/q` (any format).
        missing: Vec<String>,
    },
    /// A File prompt whose file does not exist in the audio store.
    #[error("prompt file {0} does not exist")]
    PromptNotFound(String),
    /// A File prompt path that is not a clean absolute path inside the audio store.
    #[error("invalid audio path {0}: must start with / and must not contain `..`")]
    InvalidAudioPath(String),
    /// A language with no spelling set and no TTS voice.
    #[error("unsupported language {0}")]
    UnsupportedLanguage(String),
    /// A voice `number` that is 0 or larger than the voices available.
    #[error("voice number {number} is not available for {language} (1 to {available})")]
    UnsupportedVoiceNumber {
        /// The requested language.
        language: String,
        /// The requested number.
        number: u8,
        /// How many voices there are.
        available: u8,
    },
    /// A `volume` outside -4..=4.
    #[error("volume {0} is outside -4 to 4")]
    InvalidVolume(i8),
    /// The TTS engine could not be started.
    #[error("could not run TTS engine {engine}: {source}")]
    TtsSpawn {
        /// Engine name, e.g. `espeak-ng`.
        engine: &'static str,
        /// What the OS said.
        source: Arc<std::io::Error>,
    },
    /// The TTS engine ran but failed.
    #[error("TTS engine {engine} failed ({status}): {stderr}")]
    TtsFailed {
        /// Engine name.
        engine: &'static str,
        /// Its exit status.
        status: String,
        /// The first line of what it wrote to stderr.
        stderr: String,
    },
    /// The TTS engine's output passed the longest a prompt may be
    /// (`[audio] max-prompt-seconds`); it was stopped there.
    #[error("TTS engine {engine} output passed {} s, the longest a prompt may be", max.as_secs_f32())]
    TtsTooLong {
        /// Engine name.
        engine: &'static str,
        /// The limit.
        max: Duration,
    },
    /// A TTS or SSML prompt's text was refused before any engine saw it.
    #[error("prompt text: {0}")]
    PromptText(#[from] TextError),
    /// The Opus encoder rejected its input or settings.
    #[error("Opus encoder: {0}")]
    Opus(#[from] audiopus::Error),
}

impl MediaError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        MediaError::Io {
            path: path.into(),
            source: Arc::new(source),
        }
    }
}
