//! Audio for voice-otp: from an OTP instruction to the 8 kHz samples and G.711 frames a
//! callee hears.
//!
//! - [`g711`]: A-law and u-law, bit-exact with ITU-T G.191.
//! - [`wav`]: reading any common WAV (PCM 8/16/24/32, float, G.711; mono or multichannel;
//!   8 to 48 kHz) into 8 kHz mono `i16` through an anti-aliased polyphase resampler, and
//!   writing 8 kHz mono 16-bit WAVs.

mod error;
pub mod g711;
mod resample;
mod voice;
pub mod wav;

pub use error::MediaError;
pub use g711::G711Law;
pub use resample::Resampler;
pub use voice::{CodeType, Gender, PromptSource, Voice};

/// The sample rate of everything this crate produces (G.711 narrowband).
pub const SAMPLE_RATE: u32 = 8000;

/// Samples in one 20 ms frame at [`SAMPLE_RATE`] (one RTP packet of G.711).
pub const FRAME_SAMPLES: usize = 160;
