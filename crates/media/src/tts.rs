//! Text to speech: the [`Tts`] trait and its espeak-ng engine.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::wav::decode_wav_stream;
use crate::{Gender, MediaError, Voice};

/// What to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TtsInput<'a> {
    /// Plain text.
    Text(&'a str),
    /// An SSML document (`<speak>...</speak>`).
    Ssml(&'a str),
}

/// A speech synthesiser producing 8 kHz mono samples.
pub trait Tts: Send + Sync + std::fmt::Debug {
    /// A stable name for the engine, part of every cache key.
    fn name(&self) -> &'static str;

    /// The engine's own identifier for `voice` (e.g. `en-gb+f1`): part of every cache key,
    /// and the check that the voice exists.
    fn voice_id(&self, voice: &Voice) -> Result<String, MediaError>;

    /// Checks that `voice` can be spoken (for request validation).
    fn validate_voice(&self, voice: &Voice) -> Result<(), MediaError> {
        self.voice_id(voice).map(drop)
    }

    /// Speaks `input` with `voice`, returning 8 kHz mono samples at the engine's level
    /// (no `volume` applied).
    fn synthesize(&self, input: TtsInput<'_>, voice: &Voice) -> Result<Vec<i16>, MediaError>;
}

/// Languages and their espeak-ng voices (lower-case keys).
const LANGUAGES: &[(&str, &str)] = &[
    ("en-gb", "en-gb"),
    ("en", "en-gb"),
    ("en-us", "en-us"),
    ("nl-nl", "nl"),
    ("nl-be", "nl"),
    ("nl", "nl"),
    ("de-de", "de"),
    ("de-at", "de"),
    ("de-ch", "de"),
    ("de", "de"),
    ("fr-fr", "fr-fr"),
    ("fr-ch", "fr-fr"),
    ("fr", "fr-fr"),
    ("fr-be", "fr-be"),
    ("es-es", "es"),
    ("es", "es"),
    ("es-mx", "es-419"),
    ("es-us", "es-419"),
    ("es-419", "es-419"),
    ("it-it", "it"),
    ("it", "it"),
    ("pt-pt", "pt"),
    ("pt", "pt"),
    ("pt-br", "pt-br"),
    ("sv-se", "sv"),
    ("sv", "sv"),
    ("da-dk", "da"),
    ("da", "da"),
    ("nb-no", "nb"),
    ("no", "nb"),
    ("nb", "nb"),
    ("fi-fi", "fi"),
    ("fi", "fi"),
    ("pl-pl", "pl"),
    ("pl", "pl"),
];

const FEMALE_VARIANTS: u8 = 5;
const MALE_VARIANTS: u8 = 7;

/// The espeak-ng engine: runs `espeak-ng --stdout` once per synthesis. The text goes in on
/// stdin, never through a shell or the argument list.
///
/// # Voice mapping (espeak-ng)
///
/// `language` (any letter case) picks an espeak-ng voice:
///
/// | language | espeak-ng voice |
/// |---|---|
/// | `en-GB`, `en` | `en-gb` |
/// | `en-US` | `en-us` |
/// | `nl-NL`, `nl-BE`, `nl` | `nl` |
/// | `de-DE`, `de-AT`, `de-CH`, `de` | `de` |
/// | `fr-FR`, `fr-CH`, `fr` | `fr-fr` |
/// | `fr-BE` | `fr-be` |
/// | `es-ES`, `es` | `es` |
/// | `es-MX`, `es-US`, `es-419` | `es-419` |
/// | `it-IT`, `it` | `it` |
/// | `pt-PT`, `pt` | `pt` |
/// | `pt-BR` | `pt-br` |
/// | `sv-SE`, `sv` | `sv` |
/// | `da-DK`, `da` | `da` |
/// | `nb-NO`, `no`, `nb` | `nb` |
/// | `fi-FI`, `fi` | `fi` |
/// | `pl-PL`, `pl` | `pl` |
///
/// Any other language is [`MediaError::UnsupportedLanguage`] from [`Tts::validate_voice`],
/// so a request fails at validation instead of a call reading silence.
///
/// `gender` and `number` pick an espeak-ng variant: Female `n` is `+f<n>` (1 to 5), Male `n`
/// is `+m<n>` (1 to 7). Another number is [`MediaError::UnsupportedVoiceNumber`]. So the API
/// default (en-GB, Female, 1) is `en-gb+f1`, the voice the shipped audio was made with.
///
/// `volume` is applied by the renderer, not the engine: [`crate::VOLUME_STEP_DB`] (3 dB)
/// per step, see [`crate::volume_gain`].
#[derive(Debug, Clone)]
pub struct EspeakNg {
    program: PathBuf,
}

impl Default for EspeakNg {
    fn default() -> Self {
        EspeakNg {
            program: PathBuf::from("espeak-ng"),
        }
    }
}

impl EspeakNg {
    /// The engine using `espeak-ng` from `PATH`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The engine using a specific espeak-ng binary.
    pub fn with_program(program: impl Into<PathBuf>) -> Self {
        EspeakNg {
            program: program.into(),
        }
    }
}

impl Tts for EspeakNg {
    fn name(&self) -> &'static str {
        "espeak-ng"
    }

    fn voice_id(&self, voice: &Voice) -> Result<String, MediaError> {
        let lang = voice.language.to_ascii_lowercase().replace('_', "-");
        let base = LANGUAGES
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, v)| *v)
            .ok_or_else(|| MediaError::UnsupportedLanguage(voice.language.clone()))?;
        let (prefix, available) = match voice.gender {
            Gender::Female => ('f', FEMALE_VARIANTS),
            Gender::Male => ('m', MALE_VARIANTS),
        };
        if voice.number == 0 || voice.number > available {
            return Err(MediaError::UnsupportedVoiceNumber {
                language: voice.language.clone(),
                number: voice.number,
                available,
            });
        }
        if !(-4..=4).contains(&voice.volume) {
            return Err(MediaError::InvalidVolume(voice.volume));
        }
        Ok(format!("{base}+{prefix}{}", voice.number))
    }

    fn synthesize(&self, input: TtsInput<'_>, voice: &Voice) -> Result<Vec<i16>, MediaError> {
        let id = self.voice_id(voice)?;
        let mut cmd = Command::new(&self.program);
        cmd.arg("-v").arg(&id).arg("--stdout").arg("--stdin");
        let text = match input {
            TtsInput::Text(t) => t,
            TtsInput::Ssml(t) => {
                cmd.arg("-m");
                t
            }
        };
        let spawn_err = |source| MediaError::TtsSpawn {
            engine: "espeak-ng",
            source,
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn_err)?;
        // Written from a thread: a long text could fill the stdin pipe while espeak-ng is
        // blocked writing a full stdout pipe.
        let mut stdin = child.stdin.take().expect("stdin was piped");
        let owned = text.to_owned();
        let writer = std::thread::spawn(move || {
            // A newline ends the last clause; espeak-ng may stop reading early on errors.
            let _ = stdin.write_all(owned.as_bytes());
            let _ = stdin.write_all(b"\n");
        });
        let out = child.wait_with_output().map_err(spawn_err)?;
        let _ = writer.join();
        if !out.status.success() || out.stdout.is_empty() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(MediaError::TtsFailed {
                engine: "espeak-ng",
                status: out.status.to_string(),
                stderr: stderr.lines().next().unwrap_or("").to_owned(),
            });
        }
        decode_wav_stream(&out.stdout)
    }
}
