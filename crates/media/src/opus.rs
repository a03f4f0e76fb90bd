//! Opus encoding of rendered audio for trunks that negotiate Opus (system libopus through
//! audiopus).

use audiopus::coder::Encoder;
use audiopus::{Application, Channels, SampleRate};
use bytes::Bytes;
use zeroize::Zeroizing;

use crate::{FRAME_SAMPLES, MediaError};

/// Largest Opus packet we ask the encoder for; 20 ms of narrowband voice is far smaller.
const MAX_PACKET: usize = 1275;

/// Encodes 8 kHz mono samples as 20 ms Opus packets (VoIP mode; the last frame padded with
/// silence). One packet per [`FRAME_SAMPLES`] samples. The packets wipe their memory when
/// dropped, and so do the working buffers here: the audio can be a code.
pub fn encode_opus(samples: &[i16]) -> Result<Vec<Bytes>, MediaError> {
    let encoder = Encoder::new(SampleRate::Hz8000, Channels::Mono, Application::Voip)?;
    let mut out = Vec::with_capacity(samples.len().div_ceil(FRAME_SAMPLES));
    let mut frame = Zeroizing::new([0i16; FRAME_SAMPLES]);
    let mut packet = Zeroizing::new([0u8; MAX_PACKET]);
    for chunk in samples.chunks(FRAME_SAMPLES) {
        frame[..chunk.len()].copy_from_slice(chunk);
        frame[chunk.len()..].fill(0);
        let n = encoder.encode(&frame[..], &mut packet[..])?;
        out.push(crate::rendered::wiping_bytes(packet[..n].to_vec()));
    }
    Ok(out)
}
