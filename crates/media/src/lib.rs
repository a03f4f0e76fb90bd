//! Audio for voice-otp: from an OTP instruction to the 8 kHz samples and G.711 frames a
//! callee hears.
//!
//! - [`g711`]: A-law and u-law, bit-exact with ITU-T G.191 (table driven).
//! - [`wav`]: reading any common WAV (PCM 8/16/24/32, float, G.711; 1 to 8 channels;
//!   8 to 48 kHz) into 8 kHz mono `i16` through an anti-aliased polyphase [`Resampler`],
//!   and writing 8 kHz mono 16-bit WAVs.
//! - [`AudioRoot`]: the user's audio store over the shipped `audio/` defaults; spelling
//!   files `spelling/<lang>/<char>.wav` found case-insensitively; language fallback for the
//!   shipped set, none for the user's (Custom) set.
//! - [`import_asterisk`]: human spelling sets from Asterisk sounds directories, prepared
//!   like the shipped ones ([`prepare_spelling_audio`]); [`LetterStyle`] for phonetic
//!   letters.
//! - [`Tts`] and [`EspeakNg`]: speech synthesis, with the language/gender/number mapping
//!   documented on [`EspeakNg`].
//! - [`Renderer`]: prompts, codes and readings to [`RenderedAudio`] (samples plus shared,
//!   pre-encoded 20 ms G.711 frames; Opus on demand), with caches.
//! - [`check_ssml`] and [`check_tts_text`]: the allow-list filter every SSML and TTS prompt
//!   passes before any engine sees it.
//! - [`OtpCode`]: the code, redacted in `Debug` and wiped from memory when dropped.
//!
//! ```no_run
//! use std::sync::Arc;
//! use voice_otp_media::{AudioRoot, CodeType, EspeakNg, G711Law, RenderConfig, Renderer, Voice};
//!
//! let root = AudioRoot::new(Some("./data/audio".into()), "./audio".into());
//! let renderer = Renderer::new(root, Arc::new(EspeakNg::new()), RenderConfig::default());
//! let reading = renderer.render_reading(None, "7A3", CodeType::Default, &Voice::default())?;
//! for i in 0..reading.frame_count() {
//!     let payload = reading.g711_frame(G711Law::Alaw, i); // 160 bytes, zero-copy
//!     # let _ = payload;
//! }
//! # Ok::<(), voice_otp_media::MediaError>(())
//! ```

mod cache;
mod catalog;
mod code;
mod error;
pub mod g711;
mod opus;
mod render;
mod rendered;
mod resample;
mod spelling;
pub mod ssml;
mod tts;
mod voice;
pub mod wav;

pub use catalog::{AudioRoot, DefaultPrompt, FALLBACK_LANGUAGE, SHIPPED_PREFIX};
pub use code::OtpCode;
pub use error::MediaError;
pub use g711::G711Law;
pub use opus::encode_opus;
pub use render::{
    DEFAULT_PROMPT_GAP, PHONETIC_GAP, RenderConfig, Renderer, VOLUME_STEP_DB, volume_gain,
};
pub use rendered::RenderedAudio;
pub use resample::Resampler;
pub use spelling::{
    ImportedSet, LetterStyle, SPELLING_CHARACTERS, TARGET_RMS_DBFS, import_asterisk,
    prepare_spelling_audio, trim_silence,
};
pub use ssml::{TextError, check_ssml, check_tts_text};
pub use tts::{EspeakNg, Tts, TtsInput, tts_languages};
pub use voice::{CodeType, Gender, PromptSource, Voice};

/// The sample rate of everything this crate produces (G.711 narrowband).
pub const SAMPLE_RATE: u32 = 8000;

/// Samples in one 20 ms frame at [`SAMPLE_RATE`] (one RTP packet of G.711).
pub const FRAME_SAMPLES: usize = 160;
