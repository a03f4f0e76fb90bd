//! Rendering: prompts and codes to [`RenderedAudio`], with caches so that repeats cost
//! nothing.
//!
//! # Caches
//!
//! - Prompts (TTS, SSML and files) are cached in memory, keyed by a SHA-256 of the engine,
//!   the engine's voice id, the volume and the text (or the file's path, size and
//!   modification time). TTS prompts are also written to an optional disk directory as
//!   `<key>.wav`, so a restart does not synthesise them again.
//! - Code renderings are cached in memory only, keyed by a SHA-256 over a random per-process
//!   salt and the request, so neither the key nor anything on disk reveals a code. Their
//!   number is bounded ([`RenderConfig::code_cache_entries`]); the oldest go first.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::catalog::{AudioRoot, DefaultPrompt};
use crate::g711::G711Law;
use crate::tts::{Tts, TtsInput};
use crate::{CodeType, FRAME_SAMPLES, MediaError, PromptSource, SAMPLE_RATE, Voice, wav};

/// Gain of one `volume` step, in dB.
pub const VOLUME_STEP_DB: f32 = 3.0;

/// The linear gain for a `volume` of -4..=4: [`VOLUME_STEP_DB`] per step, so -4 is -12 dB
/// and 4 is +12 dB (samples saturate at full scale). Values outside the range are clamped.
pub fn volume_gain(volume: i8) -> f32 {
    let steps = f32::from(volume.clamp(-4, 4));
    10f32.powf(steps * VOLUME_STEP_DB / 20.0)
}

/// Audio ready to stream: 8 kHz samples plus their 20 ms G.711 frames for both laws,
/// encoded once and shared (a frame is a zero-copy slice of one buffer per law).
pub struct RenderedAudio {
    samples: Vec<i16>,
    alaw: Bytes,
    ulaw: Bytes,
    opus: OnceLock<Vec<Bytes>>,
}

impl std::fmt::Debug for RenderedAudio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderedAudio")
            .field("samples", &self.samples.len())
            .field("frames", &self.frame_count())
            .finish_non_exhaustive()
    }
}

impl RenderedAudio {
    /// Wraps 8 kHz mono samples and encodes their G.711 frames (the last one padded with
    /// silence).
    pub fn new(samples: Vec<i16>) -> Self {
        let padded_len = samples.len().div_ceil(FRAME_SAMPLES) * FRAME_SAMPLES;
        let mut alaw = vec![G711Law::Alaw.silence(); padded_len];
        let mut ulaw = vec![G711Law::Ulaw.silence(); padded_len];
        G711Law::Alaw.encode_slice(&samples, &mut alaw);
        G711Law::Ulaw.encode_slice(&samples, &mut ulaw);
        RenderedAudio {
            samples,
            alaw: Bytes::from(alaw),
            ulaw: Bytes::from(ulaw),
            opus: OnceLock::new(),
        }
    }

    /// The 8 kHz mono samples (not padded).
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// Number of 20 ms frames.
    pub fn frame_count(&self) -> usize {
        self.alaw.len() / FRAME_SAMPLES
    }

    /// Frame `i` (160 bytes) in `law`, sharing the rendering's buffer.
    ///
    /// # Panics
    /// If `i >= self.frame_count()`.
    pub fn g711_frame(&self, law: G711Law, i: usize) -> Bytes {
        self.g711(law)
            .slice(i * FRAME_SAMPLES..(i + 1) * FRAME_SAMPLES)
    }

    /// All frames of `law` back to back (`frame_count() * 160` bytes).
    pub fn g711(&self, law: G711Law) -> &Bytes {
        match law {
            G711Law::Alaw => &self.alaw,
            G711Law::Ulaw => &self.ulaw,
        }
    }

    /// Playing time of the samples.
    pub fn duration(&self) -> Duration {
        Duration::from_micros(self.samples.len() as u64 * 1_000_000 / u64::from(SAMPLE_RATE))
    }

    /// The audio as 20 ms Opus packets (8 kHz mono input, VoIP mode), encoded on first use
    /// and kept.
    pub fn opus_frames(&self) -> Result<&[Bytes], MediaError> {
        if let Some(f) = self.opus.get() {
            return Ok(f);
        }
        let frames = crate::opus::encode_opus(&self.samples)?;
        Ok(self.opus.get_or_init(|| frames))
    }
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
    /// Silence between the code prompt and the code, and between consecutive prompts of
    /// a call (default 400 ms).
    pub prompt_gap: Duration,
    /// Directory for rendered TTS prompts that survive a restart; `None`: memory only.
    pub disk_cache: Option<PathBuf>,
    /// How many code renderings are kept in memory (default 1024).
    pub code_cache_entries: usize,
}

impl Default for RenderConfig {
    fn default() -> Self {
        RenderConfig {
            char_gap: Duration::from_millis(300),
            group_gap: Duration::from_millis(800),
            group_size: 3,
            group_min_len: 6,
            prompt_gap: Duration::from_millis(400),
            disk_cache: None,
            code_cache_entries: 1024,
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

#[derive(Debug, Default)]
struct CodeCache {
    map: HashMap<Key, Arc<RenderedAudio>>,
    order: VecDeque<Key>,
}

struct Inner {
    root: AudioRoot,
    tts: Arc<dyn Tts>,
    config: RenderConfig,
    salt: [u8; 32],
    prompts: Mutex<HashMap<Key, Arc<RenderedAudio>>>,
    files: Mutex<HashMap<PathBuf, CachedFile>>,
    tts_chars: Mutex<HashMap<TtsCharKey, Arc<[i16]>>>,
    codes: Mutex<CodeCache>,
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
            .field("cached_codes", &lock(&self.inner.codes).map.len())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding a cache lock leaves a cache that is still consistent (every
    // update is a single insert), so poisoning is ignored.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Renderer {
    /// A renderer reading files from `root` and speaking with `tts`.
    pub fn new(root: AudioRoot, tts: Arc<dyn Tts>, config: RenderConfig) -> Self {
        Renderer {
            inner: Arc::new(Inner {
                root,
                tts,
                config,
                salt: rand::random(),
                prompts: Mutex::new(HashMap::new()),
                files: Mutex::new(HashMap::new()),
                tts_chars: Mutex::new(HashMap::new()),
                codes: Mutex::new(CodeCache::default()),
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
    /// has a voice.
    pub fn validate_prompt(&self, source: &PromptSource, voice: &Voice) -> Result<(), MediaError> {
        match source {
            PromptSource::File(path) => self.inner.root.check_prompt(path),
            PromptSource::Tts(_) | PromptSource::Ssml(_) => self.validate_voice(voice),
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
                    self.inner.root.default_spelling(&voice.language, ch)?;
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

    /// Drops every cached rendering and decoded file (the disk cache stays).
    pub fn clear_cache(&self) {
        lock(&self.inner.prompts).clear();
        lock(&self.inner.files).clear();
        lock(&self.inner.tts_chars).clear();
        let mut codes = lock(&self.inner.codes);
        codes.map.clear();
        codes.order.clear();
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
    pub fn render_code(
        &self,
        code: &str,
        code_type: CodeType,
        voice: &Voice,
    ) -> Result<Arc<RenderedAudio>, MediaError> {
        check_code_chars(code)?;
        let key = self.code_key("code", None, code, code_type, voice);
        if let Some(hit) = self.code_hit(&key) {
            return Ok(hit);
        }
        let samples = self.code_samples(code, code_type, voice)?;
        Ok(self.code_insert(key, apply_volume(samples, voice.volume)))
    }

    /// Renders one reading as a call streams it: the code prompt (`None`: the shipped
    /// default code prompt of the voice's language), a pause of
    /// [`RenderConfig::prompt_gap`], then the code.
    pub fn render_reading(
        &self,
        code_prompt: Option<&PromptSource>,
        code: &str,
        code_type: CodeType,
        voice: &Voice,
    ) -> Result<Arc<RenderedAudio>, MediaError> {
        check_code_chars(code)?;
        let key = self.code_key("reading", code_prompt, code, code_type, voice);
        if let Some(hit) = self.code_hit(&key) {
            return Ok(hit);
        }
        let prompt = match code_prompt {
            Some(p) => self.render_prompt(p, voice)?,
            None => self.render_default_prompt(DefaultPrompt::Code, voice)?,
        };
        let code_samples = apply_volume(self.code_samples(code, code_type, voice)?, voice.volume);
        let gap = samples_for(self.inner.config.prompt_gap);
        let mut all = Vec::with_capacity(prompt.samples().len() + gap + code_samples.len());
        all.extend_from_slice(prompt.samples());
        all.resize(all.len() + gap, 0);
        all.extend_from_slice(&code_samples);
        Ok(self.code_insert(key, all))
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
        // Case-insensitive: `A` and `a` read the same.
        k.field(code.to_ascii_lowercase().as_bytes())
            .field(&[
                code_type as u8,
                voice.gender as u8,
                voice.number,
                voice.volume as u8,
            ])
            .field(voice.language.as_bytes());
        k.finish()
    }

    fn code_hit(&self, key: &Key) -> Option<Arc<RenderedAudio>> {
        lock(&self.inner.codes).map.get(key).cloned()
    }

    fn code_insert(&self, key: Key, samples: Vec<i16>) -> Arc<RenderedAudio> {
        let audio = Arc::new(RenderedAudio::new(samples));
        let cap = self.inner.config.code_cache_entries;
        if cap == 0 {
            return audio;
        }
        let mut codes = lock(&self.inner.codes);
        if codes.map.insert(key, audio.clone()).is_none() {
            codes.order.push_back(key);
        }
        while codes.order.len() > cap {
            if let Some(old) = codes.order.pop_front() {
                codes.map.remove(&old);
            }
        }
        audio
    }

    /// The code's characters and pauses, before volume.
    fn code_samples(
        &self,
        code: &str,
        code_type: CodeType,
        voice: &Voice,
    ) -> Result<Vec<i16>, MediaError> {
        let cfg = &self.inner.config;
        let chars: Vec<char> = code.chars().collect();
        let grouped = cfg.group_size > 0 && chars.len() >= cfg.group_min_len;
        let mut out = Vec::new();
        for (i, &ch) in chars.iter().enumerate() {
            let piece = match code_type {
                CodeType::Default => {
                    let p = self.inner.root.default_spelling(&voice.language, ch)?;
                    self.load_file(&p)?
                }
                CodeType::Custom => {
                    let p = self.inner.root.custom_spelling(&voice.language, ch)?;
                    self.load_file(&p)?
                }
                CodeType::Tts => self.tts_char(ch, voice)?,
            };
            out.extend_from_slice(&piece);
            if i + 1 < chars.len() {
                let gap = if grouped && (i + 1) % cfg.group_size == 0 {
                    cfg.group_gap
                } else {
                    cfg.char_gap
                };
                out.resize(out.len() + samples_for(gap), 0);
            }
        }
        Ok(out)
    }

    fn tts_char(&self, ch: char, voice: &Voice) -> Result<Arc<[i16]>, MediaError> {
        let id = self.inner.tts.voice_id(voice)?;
        let ch = ch.to_ascii_lowercase();
        let key = (id, ch);
        if let Some(hit) = lock(&self.inner.tts_chars).get(&key) {
            return Ok(hit.clone());
        }
        let ssml = format!("<speak><say-as interpret-as=\"characters\">{ch}</say-as></speak>");
        let samples: Arc<[i16]> =
            trim_silence(self.inner.tts.synthesize(TtsInput::Ssml(&ssml), voice)?).into();
        lock(&self.inner.tts_chars).insert(key, samples.clone());
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
            return Ok(hit.clone());
        }
        let samples = self.load_file(path)?;
        let audio = Arc::new(RenderedAudio::new(apply_volume(samples.to_vec(), volume)));
        lock(&self.inner.prompts).insert(key, audio.clone());
        Ok(audio)
    }

    fn render_tts(
        &self,
        input: TtsInput<'_>,
        voice: &Voice,
    ) -> Result<Arc<RenderedAudio>, MediaError> {
        let tts = &self.inner.tts;
        let id = tts.voice_id(voice)?;
        let (kind, text) = match input {
            TtsInput::Text(t) => ("text", t),
            TtsInput::Ssml(t) => ("ssml", t),
        };
        let mut k = KeyBuilder::new("tts");
        k.field(tts.name().as_bytes())
            .field(id.as_bytes())
            .field(&[voice.volume as u8])
            .field(kind.as_bytes())
            .field(text.as_bytes());
        let key = k.finish();
        if let Some(hit) = lock(&self.inner.prompts).get(&key) {
            return Ok(hit.clone());
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
                let s = apply_volume(trim_silence(tts.synthesize(input, voice)?), voice.volume);
                if let Some(p) = &disk {
                    store_atomically(p, &s);
                }
                s
            }
        };
        let audio = Arc::new(RenderedAudio::new(samples));
        lock(&self.inner.prompts).insert(key, audio.clone());
        Ok(audio)
    }
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

/// Cuts leading and trailing near-silence (below -46 dBFS, as for the shipped audio) that
/// TTS engines put around speech, so pauses are exactly the configured ones.
fn trim_silence(samples: Vec<i16>) -> Vec<i16> {
    const THRESHOLD: i16 = 164; // 0.5 % of full scale
    let start = samples
        .iter()
        .position(|s| s.unsigned_abs() > THRESHOLD as u16);
    let end = samples
        .iter()
        .rposition(|s| s.unsigned_abs() > THRESHOLD as u16);
    match (start, end) {
        (Some(a), Some(b)) => samples[a..=b].to_vec(),
        _ => samples,
    }
}
