//! Text to speech: the [`Tts`] trait and its espeak-ng engine.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::wav::{decode_wav_stream, stream_limit};
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
    /// (no `volume` applied). Output longer than `max` is [`MediaError::TtsTooLong`]; an
    /// engine should stop producing it as soon as it passes `max`, not when it is done.
    fn synthesize(
        &self,
        input: TtsInput<'_>,
        voice: &Voice,
        max: Duration,
    ) -> Result<Vec<i16>, MediaError>;
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
    ("ru-ru", "ru"),
    ("ru", "ru"),
];

/// The espeak-ng voice of a language tag: the tag itself, else its primary language (a
/// region without a voice of its own, en-AU or fr-CA, speaks its language's default).
fn espeak_language(tag: &str) -> Option<&'static str> {
    let lang = tag.to_ascii_lowercase().replace('_', "-");
    let find = |l: &str| LANGUAGES.iter().find(|(k, _)| *k == l).map(|(_, v)| *v);
    find(&lang).or_else(|| find(lang.split('-').next().unwrap_or("")))
}

/// Every language tag [`EspeakNg`] has a voice of its own for (lower case), e.g. `en-gb`.
/// Each has a shipped spelling set and prompts of its language (`scripts/gen-audio.sh`).
pub fn tts_languages() -> impl Iterator<Item = &'static str> {
    LANGUAGES.iter().map(|(tag, _)| *tag)
}

const FEMALE_VARIANTS: u8 = 5;
const MALE_VARIANTS: u8 = 7;

/// The espeak-ng engine: runs `espeak-ng --stdout` once per synthesis. The text goes in on
/// stdin, never through a shell or the argument list.
///
/// # The process
///
/// - The program is found on the daemon's `PATH` once, then run by its full path with an
///   empty environment: only `ESPEAK_DATA_PATH` is passed on, when the daemon has it (a
///   non-standard voice data location). Nothing of the daemon's environment (tokens,
///   secrets, `HOME`) reaches it.
/// - Its WAV output is read as it comes. Once it passes the `max` given to
///   [`Tts::synthesize`], the process is killed and the result is
///   [`MediaError::TtsTooLong`]: a prompt that would speak for an hour costs the
///   limit's worth of work and memory, not an hour's.
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
/// | `ru-RU`, `ru` | `ru` |
///
/// Another region of one of these languages speaks with the language's row (`en-AU` as
/// `en`, `fr-CA` as `fr`). Any other language is [`MediaError::UnsupportedLanguage`] from [`Tts::validate_voice`],
/// so a request fails at validation instead of a call reading silence.
///
/// `gender` and `number` pick an espeak-ng variant: Female `n` is `+f<n>` (1 to 5), Male `n`
/// is `+m<n>` (1 to 7). Another number is [`MediaError::UnsupportedVoiceNumber`]. So the API
/// default (en-GB, Female, 1) is `en-gb+f1`, the voice most shipped audio was made with
/// (en-GB's spelling set and prompts are flite's awb: docs/intelligibility.md).
///
/// `volume` is applied by the renderer, not the engine: [`crate::VOLUME_STEP_DB`] (3 dB)
/// per step, see [`crate::volume_gain`].
#[derive(Debug, Clone)]
pub struct EspeakNg {
    program: PathBuf,
    /// `program` resolved against `PATH`, on first use.
    resolved: OnceLock<PathBuf>,
}

impl Default for EspeakNg {
    fn default() -> Self {
        Self::with_program("espeak-ng")
    }
}

impl EspeakNg {
    /// The engine using `espeak-ng` from `PATH`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The engine using a specific espeak-ng binary (a bare name is looked up on `PATH`).
    pub fn with_program(program: impl Into<PathBuf>) -> Self {
        EspeakNg {
            program: program.into(),
            resolved: OnceLock::new(),
        }
    }

    /// The program's full path: the child gets no `PATH` to search.
    fn program(&self) -> Result<&Path, MediaError> {
        if let Some(p) = self.resolved.get() {
            return Ok(p);
        }
        let found = if self.program.components().count() > 1 {
            Some(self.program.clone())
        } else {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join(&self.program))
                    .find(|candidate| candidate.is_file())
            })
        };
        let found = found.ok_or_else(|| MediaError::TtsSpawn {
            engine: "espeak-ng",
            source: Arc::new(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} not found on PATH", self.program.display()),
            )),
        })?;
        Ok(self.resolved.get_or_init(|| found))
    }
}

impl Tts for EspeakNg {
    fn name(&self) -> &'static str {
        "espeak-ng"
    }

    fn voice_id(&self, voice: &Voice) -> Result<String, MediaError> {
        let base = espeak_language(&voice.language)
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

    fn synthesize(
        &self,
        input: TtsInput<'_>,
        voice: &Voice,
        max: Duration,
    ) -> Result<Vec<i16>, MediaError> {
        let id = self.voice_id(voice)?;
        let mut cmd = Command::new(self.program()?);
        cmd.env_clear();
        if let Some(data) = std::env::var_os("ESPEAK_DATA_PATH") {
            cmd.env("ESPEAK_DATA_PATH", data);
        }
        cmd.arg("-v").arg(&id).arg("--stdout").arg("--stdin");
        let text = match input {
            TtsInput::Text(t) => t,
            TtsInput::Ssml(t) => {
                cmd.arg("-m");
                t
            }
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn_error)?;
        // Written from a thread: a long text could fill the stdin pipe while espeak-ng is
        // blocked writing a full stdout pipe.
        let mut stdin = child.stdin.take().expect("stdin was piped");
        let owned = text.to_owned();
        let writer = std::thread::spawn(move || {
            // A newline ends the last clause; espeak-ng may stop reading early on errors
            // (or be killed for talking too long): a failed write is not our error.
            let _ = stdin.write_all(owned.as_bytes());
            let _ = stdin.write_all(b"\n");
        });
        let mut stderr = child.stderr.take().expect("stderr was piped");
        let errors = std::thread::spawn(move || {
            let mut first = Vec::new();
            let _ = (&mut stderr).take(4096).read_to_end(&mut first);
            // Drain the rest so espeak-ng never blocks on a full stderr pipe.
            let _ = std::io::copy(&mut stderr, &mut std::io::sink());
            first
        });
        let output = read_limited(&mut child, max);
        let status = child.wait().map_err(spawn_error)?;
        let _ = writer.join();
        let stderr = errors.join().unwrap_or_default();
        let wav = output?;
        if !status.success() || wav.is_empty() {
            let stderr = String::from_utf8_lossy(&stderr);
            return Err(MediaError::TtsFailed {
                engine: "espeak-ng",
                status: status.to_string(),
                stderr: stderr.lines().next().unwrap_or("").to_owned(),
            });
        }
        decode_wav_stream(&wav)
    }
}

fn spawn_error(source: std::io::Error) -> MediaError {
    MediaError::TtsSpawn {
        engine: "espeak-ng",
        source: Arc::new(source),
    }
}

/// How much WAV header may come before the samples, at most.
const MAX_HEADER: usize = 64 * 1024;

/// Reads the child's WAV from stdout until it ends, or kills the child as soon as the
/// samples pass `max` (or no WAV header shows within [`MAX_HEADER`] bytes).
fn read_limited(child: &mut Child, max: Duration) -> Result<Vec<u8>, MediaError> {
    let mut stdout = child.stdout.take().expect("stdout was piped");
    let mut wav = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    let mut limit = None;
    loop {
        let n = match stdout.read(&mut chunk) {
            Ok(0) => return Ok(wav),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(spawn_error(e)),
        };
        wav.extend_from_slice(&chunk[..n]);
        if limit.is_none() {
            limit = stream_limit(&wav, max);
        }
        let over = match limit {
            Some(limit) => wav.len() > limit,
            None => wav.len() > MAX_HEADER,
        };
        if over {
            let _ = child.kill();
            return Err(match limit {
                Some(_) => MediaError::TtsTooLong {
                    engine: "espeak-ng",
                    max,
                },
                None => MediaError::TtsFailed {
                    engine: "espeak-ng",
                    status: "killed".to_owned(),
                    stderr: "no WAV header in its output".to_owned(),
                },
            });
        }
    }
}
