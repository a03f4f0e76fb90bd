//! [`RenderedAudio`]: samples and their pre-encoded frames, wiped when dropped.

use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use zeroize::{Zeroize, Zeroizing};

use crate::g711::G711Law;
use crate::{FRAME_SAMPLES, MediaError, SAMPLE_RATE};

/// Audio ready to stream: 8 kHz samples plus their 20 ms G.711 frames for both laws,
/// encoded once and shared (a frame is a zero-copy slice of one buffer per law).
///
/// A rendering can be a code read aloud, so its memory is overwritten with zeros when it
/// goes: the samples when the `RenderedAudio` is dropped, each encoded buffer when the last
/// frame sliced from it is (the frames own their buffer through a wiping owner).
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

impl Drop for RenderedAudio {
    fn drop(&mut self) {
        self.samples.zeroize();
    }
}

/// Bytes whose buffer is wiped when the last slice of it is dropped.
pub(crate) fn wiping_bytes(buffer: Vec<u8>) -> Bytes {
    Bytes::from_owner(Zeroizing::new(buffer))
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
            alaw: wiping_bytes(alaw),
            ulaw: wiping_bytes(ulaw),
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

    /// Memory the rendering holds: the samples and both G.711 buffers (Opus packets,
    /// encoded on demand, are not counted). What the prompt cache's byte budget counts.
    pub fn heap_bytes(&self) -> usize {
        self.samples.len() * 2 + self.alaw.len() + self.ulaw.len()
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
