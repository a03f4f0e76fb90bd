//! Rendering: prompts and codes to [`RenderedAudio`], with caches so that repeats cost
//! nothing.
//!
//! # Caches
//!
//! - Prompts (TTS, SSML and files) are cached in memory, keyed by a SHA-256 of the engine,
//!   the engine's voice id, the volume and the text (or the file's path, size and
//!   modification time). TTS prompts are also written to an optional disk directory as
//!   `<key>.wav`, so a restart does not synthesise them again.
//!   The memory cache has a byte budget ([`RenderConfig::cache_bytes`]); the least
//!   recently used prompts go first.
//! - Code renderings are kept in memory only, keyed by a SHA-256 over a random per-process
//!   salt and the request, so neither the key nor anything on disk reveals a code. The
//!   renderer holds them weakly: callees of one instruction share a rendering while their
//!   calls hold it, and when the last of those calls ends and drops it, it is gone (and
//!   its memory wiped, see [`RenderedAudio`]). No code outlives its calls in a cache.
//!
//! # Single-flight
//!
//! TTS prompts, TTS characters and code renderings that are asked for again while the
//! first request is still rendering are not rendered twice: the later callers wait for the
//! first one's result (or error).
//!
//! # Limits
//!
//! Every TTS or SSML prompt passes [`crate::check_tts_text`] or [`crate::check_ssml`]
//! before the engine sees it, and no synthesis may run past
//! [`RenderConfig::max_prompt`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::cache::{Flights, Lru, WhileHeld, lock};
use crate::catalog::{AudioRoot, DefaultPrompt};
use crate::rendered::RenderedAudio;
use crate::spelling::{LetterStyle, trim_silence};
use crate::tts::{Tts, TtsInput};
use crate::{CodeType, MediaError, PromptSource, SAMPLE_RATE, Voice, wav};

/// Silence between a letter and its spelling-alphabet word ("N ... November").
pub const PHONETIC_GAP: Duration = Duration::from_millis(150);

/// Gain of one `volume` step, in dB.
pub const VOLUME_STEP_DB: f32 = 3.0;

/// The linear gain for a `volume` of -4..=4: [`VOLUME_STEP_DB`] per step, so -4 is -12 dB
/// and 4 is +12 dB (samples saturate at full scale). Values outside the range are clamped.
pub fn volume_gain(volume: i8) -> f32 {
    let steps = f32::from(volume.clamp(-4, 4));
    10f32.powf(steps * VOLUME_STEP_DB / 20.0)
}

/// Pauses and cache sizes of a [`Renderer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderConfig {
    /// Silence between two characters of a code (default 300 ms).
    pub char_gap: Duration,
    /// Silence after every group of [`RenderConfig::group_size`] characters, instead of
    /// `char_gap`, in codes of at least [`RenderConfig::group_min_len`] characters
    /// (default 800 ms).
    pub group_gap: Duration,
    /// Characters per group (default 3).
    pub group_size: usize,
    /// Shortest code that is grouped (default 6).
    pub group_min_len: usize,
    /// After a grouped code, read its last group once more, after a `group_gap`: the
    /// characters after the code's last group pause ("482 913 ... 913"; for 8 characters
    /// read 3-3-2, the last 2). A listener copying the code checks the part heard last,
    /// without waiting for a whole repeat. Codes too short to be grouped are not repeated.
    /// Default false.
    pub repeat_last_group: bool,
    /// Silence between the code prompt and the code, and between consecutive prompts of
    /// a call (default [`DEFAULT_PROMPT_GAP`]).
    pub prompt_gap: Duration,
    /// Directory for rendered TTS prompts that survive a restart; `None`: memory only.
    pub disk_cache: Option<PathBuf>,
    /// Byte budget of the in-memory prompt cache, least recently used evicted first
    /// (default 64 MiB; `[audio] cache-bytes`).
    pub cache_bytes: usize,
    /// The longest a synthesised prompt may be; the engine is stopped there and the render
    /// fails (default 120 s; `[audio] max-prompt-seconds`).
    pub max_prompt: Duration,
}

/// The pause between a prompt and what follows it, in `voice-otp say` and in calls alike:
/// the renderer's default `prompt_gap`, and the call flow's default gap between segments.
pub const DEFAULT_PROMPT_GAP: Duration = Duration::from_millis(400);

impl Default for RenderConfig {
    fn default() -> Self {
        RenderConfig {
            char_gap: Duration::from_millis(300),
            group_gap: Duration::from_millis(800),
            group_size: 3,
            group_min_len: 6,
            repeat_last_group: false,
            prompt_gap: DEFAULT_PROMPT_GAP,
            disk_cache: None,
            cache_bytes: 64 * 1024 * 1024,
            max_prompt: Duration::from_secs(120),
        }
    }
}

type Key = [u8; 32];

/// The engine's voice id and a (lower-case) character.
type TtsCharKey = (String, char);

/// Builds a cache key from length-prefixed fields, so no two field lists collide.
struct KeyBuilder(Sha256);

impl KeyBuilder {
    fn new(kind: &str) -> Self {
        let mut k = KeyBuilder(Sha256::new());
        k.field(kind.as_bytes());
        k
    }
    fn field(&mut self, b: &[u8]) -> &mut Self {
        self.0.update((b.len() as u64).to_le_bytes());
        self.0.update(b);
        self
    }
    fn finish(self) -> Key {
        self.0.finalize().into()
    }
}

/// A decoded file and the identity it had when decoded.
#[derive(Debug)]
struct CachedFile {
    modified: Option<SystemTime>,
    len: u64,
    samples: Arc<[i16]>,
}

type Rendered = Result<Arc<RenderedAudio>, MediaError>;

struct Inner {
    root: AudioRoot,
    tts: Arc<dyn Tts>,
    config: RenderConfig,
    salt: [u8; 32],
    prompts: Mutex<Lru<Key, Arc<RenderedAudio>>>,
    files: Mutex<HashMap<PathBuf, CachedFile>>,
    tts_chars: Mutex<HashMap<TtsCharKey, Arc<[i16]>>>,
    codes: Mutex<WhileHeld<Key, RenderedAudio>>,
    /// Prompt and code renders under way.
    flights: Flights<Key, Rendered>,
    /// TTS character renders under way.
    char_flights: Flights<TtsCharKey, Result<Arc<[i16]>, MediaError>>,
}

/// Turns prompts and codes into [`RenderedAudio`]. Cheap to clone and share between
/// calls; all clones share the caches.
#[derive(Clone)]
pub struct Renderer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Renderer {
    // Only sizes: the caches hold code renderings, which must not end up in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("root", &self.inner.root)
            .field("tts", &self.inner.tts.name())
            .field("config", &self.inner.config)
            .field("cached_prompts", &lock(&self.inner.prompts).len())
            .field("live_codes", &lock(&self.inner.codes).live())
            .finish_non_exhaustive()
    }
}

impl Renderer {
    /// A renderer reading files from `root` and speaking with `tts`.
    pub fn new(root: AudioRoot, tts: Arc<dyn Tts>, config: RenderConfig) -> Self {
        Renderer {
            inner: Arc::new(Inner {
                root,
                tts,
                salt: rand::random(),
                prompts: Mutex::new(Lru::new(config.cache_bytes)),
                files: Mutex::new(HashMap::new()),
                tts_chars: Mutex::new(HashMap::new()),
                codes: Mutex::new(WhileHeld::new()),
                flights: Flights::new(),
                char_flights: Flights::new(),
                config,
            }),
        }
    }

    /// The audio root files are read from.
    pub fn root(&self) -> &AudioRoot {
        &self.inner.root
    }

    /// The pauses and cache settings.
    pub fn config(&self) -> &RenderConfig {
        &self.inner.config
    }

    /// Checks a voice for request validation: the language has a TTS voice, the number
    /// exists, the volume is in range.
    pub fn validate_voice(&self, voice: &Voice) -> Result<(), MediaError> {
        self.inner.tts.validate_voice(voice)
    }

    /// Checks a prompt for request validation: a File exists in the store, a TTS prompt
    /// has a voice and passes [`crate::check_tts_text`], an SSML prompt passes
    /// [`crate::check_ssml`].
    pub fn validate_prompt(&self, source: &PromptSource, voice: &Voice) -> Result<(), MediaError> {
        match source {
            PromptSource::File(path) => self.inner.root.check_prompt(path),
            PromptSource::Tts(_) | PromptSource::Ssml(_) => {
                check_prompt_text(source)?;
                self.validate_voice(voice)
            }
        }
    }

    /// Checks that `code` can be read with `code_type` (for request validation): only
    /// `[0-9A-Za-z]`, every Custom character has a file, TTS has a voice.
    pub fn validate_code(
        &self,
        code: &str,
        code_type: CodeType,
        voice: &Voice,
    ) -> Result<(), MediaError> {
        check_code_chars(code)?;
        match code_type {
            CodeType::Default => {
                for ch in code.chars() {
                    self.inner.root.spelling_files(
                        &voice.language,
                        voice.gender,
                        voice.letter_style,
                        ch,
                    )?;
                }
            }
            CodeType::Custom => {
                for ch in code.chars() {
                    self.inner.root.custom_spelling(&voice.language, ch)?;
                }
            }
            CodeType::Tts => self.validate_voice(voice)?,
        }
        Ok(())
    }

    /// Drops every cached rendering and decoded file (the disk cache stays). Code
    /// renderings still held by calls stay alive with them, but are no longer shared.
    pub fn clear_cache(&self) {
        lock(&self.inner.prompts).clear();
        lock(&self.inner.files).clear();
        lock(&self.inner.tts_chars).clear();
        lock(&self.inner.codes).clear();
    }

    /// Prompts in the memory cache and the bytes they hold.
    pub fn cached_prompts(&self) -> (usize, usize) {
        let prompts = lock(&self.inner.prompts);
        (prompts.len(), prompts.bytes())
    }

    /// Code renderings the renderer can still hand out: those some caller (a live call)
    /// still holds. Zero once every call that read a code has ended.
    pub fn live_codes(&self) -> usize {
        lock(&self.inner.codes).live()
    }

    /// Renders a prompt at the voice's volume.
    pub fn render_prompt(
        &self,
        source: &PromptSource,
        voice: &Voice,
    ) -> Result<Arc<RenderedAudio>, MediaError> {
        match source {
            PromptSource::File(store_path) => {
                let path = self.inner.root.resolve(store_path)?;
                self.render_file(&path, voice.volume)
            }
            PromptSource::Tts(text) => self.render_tts(TtsInput::Text(text), voice),
            PromptSource::Ssml(text) => self.render_tts(TtsInput::Ssml(text), voice),
        }
    }

    /// Renders one of the shipped default prompts in the voice's language.
    pub fn render_default_prompt(
        &self,
        kind: DefaultPrompt,
        voice: &Voice,
    ) -> Result<Arc<RenderedAudio>, MediaError> {
        let path = self.inner.root.default_prompt(&voice.language, kind)?;
        self.render_file(&path, voice.volume)
    }

    /// Renders the characters of `code` with the configured pauses.
    ///
    /// The result is shared with concurrent callers asking for the same code, and only
    /// while someone holds it (see the module docs).
    pub fn render_code(
        &self,
        code: &str,
        code_type: CodeType,
        voice: &Voice,
    ) -> Result<Arc<RenderedAudio>, MediaError> {
        check_code_chars(code)?;
        let key = self.code_key("code", None, code, code_type, voice);
        self.shared_code(key, || {
            let samples = self.code_samples(code, code_type, voice)?;
            Ok(RenderedAudio::new(apply_volume(samples, voice.volume)))
        })
    }

    /// Renders one reading as a call streams it: the code prompt (`None`: the shipped
    /// default code prompt of the voice's language), a pause of
    /// [`RenderConfig::prompt_gap`], then the code. Shared like [`Renderer::render_code`].
    pub fn render_reading(
        &self,
        code_prompt: Option<&PromptSource>,
        code: &str,
        code_type: CodeType,
        voice: &Voice,
    ) -> Result<Arc<RenderedAudio>, MediaError> {
        check_code_chars(code)?;
        let key = self.code_key("reading", code_prompt, code, code_type, voice);
        self.shared_code(key, || {
            let prompt = match code_prompt {
                Some(p) => self.render_prompt(p, voice)?,
                None => self.render_default_prompt(DefaultPrompt::Code, voice)?,
            };
            let code_samples = Zeroizing::new(apply_volume(
                self.code_samples(code, code_type, voice)?,
                voice.volume,
            ));
            let gap = samples_for(self.inner.config.prompt_gap);
            // Sized once: growing would leave copies of the code in freed memory.
            let mut all = Vec::with_capacity(prompt.samples().len() + gap + code_samples.len());
            all.extend_from_slice(prompt.samples());
            all.resize(all.len() + gap, 0);
            all.extend_from_slice(&code_samples);
            Ok(RenderedAudio::new(all))
        })
    }

    /// A code rendering: the one a live call holds, the one being rendered right now, or
    /// a new one from `render`.
    fn shared_code(
        &self,
        key: Key,
        render: impl FnOnce() -> Result<RenderedAudio, MediaError>,
    ) -> Result<Arc<RenderedAudio>, MediaError> {
        if let Some(hit) = lock(&self.inner.codes).get(&key) {
            return Ok(hit);
        }
        self.inner.flights.run(key, || {
            if let Some(hit) = lock(&self.inner.codes).get(&key) {
                return Ok(hit);
            }
            let audio = Arc::new(render()?);
            lock(&self.inner.codes).insert(key, &audio);
            Ok(audio)
        })
    }

    fn code_key(
        &self,
        kind: &str,
        prompt: Option<&PromptSource>,
        code: &str,
        code_type: CodeType,
        voice: &Voice,
    ) -> Key {
        let mut k = KeyBuilder::new(kind);
        k.field(&self.inner.salt);
        match prompt {
            None => k.field(b"default"),
            Some(PromptSource::File(p)) => k.field(b"file").field(p.as_bytes()),
            Some(PromptSource::Tts(t)) => k.field(b"tts").field(t.as_bytes()),
            Some(PromptSource::Ssml(t)) => k.field(b"ssml").field(t.as_bytes()),
        };
        // Case-insensitive: `A` and `a` read the same. The copy is wiped after use.
        let lower = Zeroizing::new(code.to_ascii_lowercase());
        k.field(lower.as_bytes())
            .field(&[
                code_type as u8,
                voice.gender as u8,
                voice.number,
                voice.volume as u8,
            ])
            .field(voice.language.as_bytes())
            .field(
                voice
                    .letter_style
                    .map_or("set's own", LetterStyle::as_str)
                    .as_bytes(),
            );
        k.finish()
    }

    /// The code's characters and pauses, before volume.
    fn code_samples(
        &self,
        code: &str,
        code_type: CodeType,
        voice: &Voice,
    ) -> Result<Vec<i16>, MediaError> {
        let cfg = &self.inner.config;
        let count = code.chars().count();
        let grouped = cfg.group_size > 0 && count >= cfg.group_min_len;
        let mut pieces = Vec::with_capacity(count);
        for ch in code.chars() {
            pieces.push(match code_type {
                CodeType::Default => self.spelling_piece(ch, voice)?,
                CodeType::Custom => {
                    let p = self.inner.root.custom_spelling(&voice.language, ch)?;
                    self.load_file(&p)?
                }
                CodeType::Tts => self.tts_char(ch, voice)?,
            });
        }
        if grouped && cfg.repeat_last_group {
            // The last group as the listener heard it: after the last group pause.
            let last_start = (count - 1) / cfg.group_size * cfg.group_size;
            pieces.extend_from_within(last_start..count);
        }
        let len = pieces.len();
        let gap_after = |i: usize| {
            if i + 1 == len {
                0
            } else if i + 1 == count
                || (grouped && i < count && (i + 1).is_multiple_of(cfg.group_size))
            {
                // The end of the code, before its repeated group, is a group pause too.
                samples_for(cfg.group_gap)
            } else {
                samples_for(cfg.char_gap)
            }
        };
        // Sized once: growing would leave copies of the code in freed memory.
        let total = pieces
            .iter()
            .enumerate()
            .map(|(i, p)| p.len() + gap_after(i))
            .sum();
        let mut out = Vec::with_capacity(total);
        for (i, piece) in pieces.iter().enumerate() {
            out.extend_from_slice(piece);
            out.resize(out.len() + gap_after(i), 0);
        }
        Ok(out)
    }

    /// One character of a Default code from its spelling set (see
    /// [`AudioRoot::spelling_files`]): the spelling file, or for a phonetic letter the
    /// letter and its word with [`PHONETIC_GAP`] between them.
    fn spelling_piece(&self, ch: char, voice: &Voice) -> Result<Arc<[i16]>, MediaError> {
        let files = self.inner.root.spelling_files(
            &voice.language,
            voice.gender,
            voice.letter_style,
            ch,
        )?;
        if let [one] = files.as_slice() {
            return self.load_file(one);
        }
        let mut joined = Vec::new();
        for (i, f) in files.iter().enumerate() {
            if i > 0 {
                joined.resize(joined.len() + samples_for(PHONETIC_GAP), 0);
            }
            joined.extend_from_slice(&self.load_file(f)?);
        }
        Ok(joined.into())
    }

    fn tts_char(&self, ch: char, voice: &Voice) -> Result<Arc<[i16]>, MediaError> {
        let id = self.inner.tts.voice_id(voice)?;
        let key = (id, ch.to_ascii_lowercase());
        if let Some(hit) = lock(&self.inner.tts_chars).get(&key) {
            return Ok(hit.clone());
        }
        self.inner.char_flights.run(key.clone(), || {
            if let Some(hit) = lock(&self.inner.tts_chars).get(&key) {
                return Ok(hit.clone());
            }
            let ssml = format!(
                "<speak><say-as interpret-as=\"characters\">{}</say-as></speak>",
                key.1
            );
            let spoken = self.synthesize(TtsInput::Ssml(&ssml), voice)?;
            let samples: Arc<[i16]> = trim_silence(spoken).into();
            lock(&self.inner.tts_chars).insert(key.clone(), samples.clone());
            Ok(samples)
        })
    }

    /// Runs the engine under the prompt length limit, and holds any engine to it.
    fn synthesize(&self, input: TtsInput<'_>, voice: &Voice) -> Result<Vec<i16>, MediaError> {
        let max = self.inner.config.max_prompt;
        let samples = self.inner.tts.synthesize(input, voice, max)?;
        if samples.len() > samples_for(max) {
            return Err(MediaError::TtsTooLong {
                engine: self.inner.tts.name(),
                max,
            });
        }
        Ok(samples)
    }

    /// Decodes a file, reusing the last decoding while its size and mtime are unchanged.
    fn load_file(&self, path: &Path) -> Result<Arc<[i16]>, MediaError> {
        let meta = std::fs::metadata(path).map_err(|e| MediaError::io(path, e))?;
        let modified = meta.modified().ok();
        if let Some(c) = lock(&self.inner.files).get(path)
            && c.modified == modified
            && c.len == meta.len()
        {
            return Ok(c.samples.clone());
        }
        let samples: Arc<[i16]> = wav::read_wav_file(path)?.into();
        lock(&self.inner.files).insert(
            path.to_owned(),
            CachedFile {
                modified,
                len: meta.len(),
                samples: samples.clone(),
            },
        );
        Ok(samples)
    }

    fn render_file(&self, path: &Path, volume: i8) -> Result<Arc<RenderedAudio>, MediaError> {
        let meta = std::fs::metadata(path).map_err(|e| MediaError::io(path, e))?;
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let mut k = KeyBuilder::new("file");
        k.field(path.as_os_str().as_encoded_bytes())
            .field(&meta.len().to_le_bytes())
            .field(&mtime.to_le_bytes())
            .field(&[volume as u8]);
        let key = k.finish();
        if let Some(hit) = lock(&self.inner.prompts).get(&key) {
            return Ok(hit);
        }
        let samples = self.load_file(path)?;
        let audio = Arc::new(RenderedAudio::new(apply_volume(samples.to_vec(), volume)));
        self.keep_prompt(key, &audio);
        Ok(audio)
    }

    fn keep_prompt(&self, key: Key, audio: &Arc<RenderedAudio>) {
        lock(&self.inner.prompts).insert(key, audio.clone(), audio.heap_bytes());
    }

    fn render_tts(
        &self,
        input: TtsInput<'_>,
        voice: &Voice,
    ) -> Result<Arc<RenderedAudio>, MediaError> {
        let (kind, text) = match input {
            TtsInput::Text(t) => ("text", t),
            TtsInput::Ssml(t) => ("ssml", t),
        };
        check_text(input)?;
        let tts = &self.inner.tts;
        let id = tts.voice_id(voice)?;
        let mut k = KeyBuilder::new("tts");
        k.field(tts.name().as_bytes())
            .field(id.as_bytes())
            .field(&[voice.volume as u8])
            .field(kind.as_bytes())
            .field(text.as_bytes());
        let key = k.finish();
        if let Some(hit) = lock(&self.inner.prompts).get(&key) {
            return Ok(hit);
        }
        self.inner.flights.run(key, || {
            if let Some(hit) = lock(&self.inner.prompts).get(&key) {
                return Ok(hit);
            }
            let disk = self
                .inner
                .config
                .disk_cache
                .as_ref()
                .map(|d| d.join(format!("{}.wav", hex::encode(key))));
            let from_disk = disk.as_ref().and_then(|p| wav::read_wav_file(p).ok());
            let samples = match from_disk {
                Some(s) => s,
                None => {
                    let spoken = trim_silence(self.synthesize(input, voice)?);
                    let s = apply_volume(spoken, voice.volume);
                    if let Some(p) = &disk {
                        store_atomically(p, &s);
                    }
                    s
                }
            };
            let audio = Arc::new(RenderedAudio::new(samples));
            self.keep_prompt(key, &audio);
            Ok(audio)
        })
    }
}

/// The allow-list check of a TTS or SSML prompt (no-op for files).
fn check_prompt_text(source: &PromptSource) -> Result<(), MediaError> {
    match source {
        PromptSource::File(_) => Ok(()),
        PromptSource::Tts(t) => check_text(TtsInput::Text(t)),
        PromptSource::Ssml(t) => check_text(TtsInput::Ssml(t)),
    }
}

fn check_text(input: TtsInput<'_>) -> Result<(), MediaError> {
    match input {
        TtsInput::Text(t) => crate::check_tts_text(t)?,
        TtsInput::Ssml(t) => crate::check_ssml(t)?,
    }
    Ok(())
}

/// Writes a disk-cache entry via a temporary file and a rename, so a concurrent reader
/// never sees half a file. Failure only costs a later synthesis, so it is logged, not
/// returned.
fn store_atomically(path: &Path, samples: &[i16]) {
    let Some(dir) = path.parent() else { return };
    let result = std::fs::create_dir_all(dir).and_then(|()| {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, wav::encode_wav(samples))?;
        std::fs::rename(&tmp, path)
    });
    if let Err(e) = result {
        tracing::warn!(dir = %dir.display(), error = %e, "could not write the TTS disk cache");
    }
}

fn check_code_chars(code: &str) -> Result<(), MediaError> {
    if code.is_empty() {
        return Err(MediaError::EmptyCode);
    }
    if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(MediaError::InvalidCodeCharacter);
    }
    Ok(())
}

fn samples_for(d: Duration) -> usize {
    (d.as_micros() * u128::from(SAMPLE_RATE) / 1_000_000) as usize
}

fn apply_volume(mut samples: Vec<i16>, volume: i8) -> Vec<i16> {
    if volume == 0 {
        return samples;
    }
    let g = volume_gain(volume);
    for s in &mut samples {
        *s = (f32::from(*s) * g).round().clamp(-32768.0, 32767.0) as i16;
    }
    samples
}
