//! WAV in (any common encoding, converted to 8 kHz mono `i16`) and WAV out (8 kHz mono
//! 16-bit PCM).
//!
//! The RIFF chunks are parsed here rather than with hound because hound does not read
//! G.711 WAVs (format tags 6 and 7), and because a file from the outside must never make us
//! allocate what its header claims: every size is checked against the bytes actually there.

use std::path::Path;

use crate::g711::{alaw_decode, ulaw_decode};
use crate::resample::Resampler;
use crate::{MediaError, SAMPLE_RATE};

/// The longest audio accepted, in seconds (a prompt, not an audiobook).
pub const MAX_SECONDS: u64 = 600;

const FORMAT_PCM: u16 = 1;
const FORMAT_FLOAT: u16 = 3;
const FORMAT_ALAW: u16 = 6;
const FORMAT_ULAW: u16 = 7;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// What the `fmt ` chunk says about the samples.
#[derive(Debug, Clone, Copy)]
struct Format {
    tag: u16,
    channels: u16,
    rate: u32,
    block_align: u16,
    bits: u16,
}

/// Decodes a WAV file's bytes into 8 kHz mono samples.
///
/// Reads PCM 8/16/24/32-bit, IEEE float 32/64-bit, A-law and u-law (also inside
/// `WAVE_FORMAT_EXTENSIBLE`), 1 to 8 channels (averaged to mono), 8 to 48 kHz (resampled
/// with an anti-aliasing filter). Garbage gives a typed error, never a panic.
pub fn decode_wav(bytes: &[u8]) -> Result<Vec<i16>, MediaError> {
    decode(bytes, false)
}

/// Like [`decode_wav`], but a `data` chunk that claims more bytes than there are is taken to
/// end where the input ends: what streaming writers (`espeak-ng --stdout`) produce, since
/// they cannot seek back to fill in the size. Only for output of programs we run.
pub(crate) fn decode_wav_stream(bytes: &[u8]) -> Result<Vec<i16>, MediaError> {
    decode(bytes, true)
}

/// For a streamed WAV whose start is `head`: the total length in bytes at which its
/// samples pass `max` (header included). `None` while the header is incomplete or invalid.
pub(crate) fn stream_limit(head: &[u8], max: std::time::Duration) -> Option<usize> {
    let (format, data) = parse_riff(head, true).ok()?;
    // `data` borrows `head`, so its offset is where the samples start.
    let data_start = data.as_ptr() as usize - head.as_ptr() as usize;
    let bytes_per_second = u128::from(format.rate) * u128::from(format.block_align);
    let samples = bytes_per_second * max.as_millis() / 1000;
    usize::try_from(samples)
        .ok()
        .and_then(|n| n.checked_add(data_start))
}

fn decode(bytes: &[u8], streamed: bool) -> Result<Vec<i16>, MediaError> {
    let (format, data) = parse_riff(bytes, streamed)?;
    let frames = data.len() / usize::from(format.block_align);
    if frames as u64 > MAX_SECONDS * u64::from(format.rate) {
        return Err(MediaError::WavTooLong {
            seconds: frames as u64 / u64::from(format.rate),
            max: MAX_SECONDS,
        });
    }
    let data = &data[..frames * usize::from(format.block_align)];
    if format.channels == 1
        && format.rate == SAMPLE_RATE
        && format.tag == FORMAT_PCM
        && format.bits == 16
    {
        return Ok(data
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect());
    }
    let mono = to_mono_f32(&format, data, frames);
    let resampled = if format.rate == SAMPLE_RATE {
        mono
    } else {
        Resampler::new(format.rate, SAMPLE_RATE)?.process(&mono)
    };
    Ok(resampled.into_iter().map(f32_to_i16).collect())
}

/// Reads and decodes a WAV file (see [`decode_wav`]).
pub fn read_wav_file(path: &Path) -> Result<Vec<i16>, MediaError> {
    let bytes = std::fs::read(path).map_err(|e| MediaError::io(path, e))?;
    decode_wav(&bytes)
}

/// Encodes samples as an 8 kHz mono 16-bit PCM WAV.
pub fn encode_wav(samples: &[i16]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&FORMAT_PCM.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// Writes samples to `path` as an 8 kHz mono 16-bit PCM WAV.
pub fn write_wav_file(path: &Path, samples: &[i16]) -> Result<(), MediaError> {
    std::fs::write(path, encode_wav(samples)).map_err(|e| MediaError::io(path, e))
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Walks the RIFF chunks; returns the validated format and the `data` bytes.
fn parse_riff(bytes: &[u8], streamed: bool) -> Result<(Format, &[u8]), MediaError> {
    if bytes.len() < 12 {
        return Err(if bytes.len() >= 4 && &bytes[..4] != b"RIFF" {
            MediaError::WavNotRiff
        } else {
            MediaError::WavTruncated("RIFF header")
        });
    }
    if &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(MediaError::WavNotRiff);
    }
    let mut format = None;
    let mut data = None;
    let mut at = 12usize;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32_at(bytes, at + 4) as usize;
        let body_start = at + 8;
        let available = bytes.len() - body_start;
        match id {
            b"fmt " => {
                if size > available {
                    return Err(MediaError::WavTruncated("fmt chunk"));
                }
                format = Some(parse_fmt(&bytes[body_start..body_start + size])?);
            }
            b"data" => {
                let size = match (size > available, streamed) {
                    (false, _) => size,
                    (true, true) => available,
                    (true, false) => return Err(MediaError::WavTruncated("data chunk")),
                };
                data = Some(&bytes[body_start..body_start + size]);
            }
            _ => {}
        }
        if format.is_some() && data.is_some() {
            break;
        }
        // Chunks are padded to an even size.
        at = match body_start
            .checked_add(size)
            .and_then(|e| e.checked_add(size & 1))
        {
            Some(next) => next,
            None => break,
        };
    }
    let format = format.ok_or(MediaError::WavMissingChunk("fmt "))?;
    let data = data.ok_or(MediaError::WavMissingChunk("data"))?;
    Ok((format, data))
}

fn parse_fmt(b: &[u8]) -> Result<Format, MediaError> {
    if b.len() < 16 {
        return Err(MediaError::WavTruncated("fmt chunk"));
    }
    let mut tag = u16_at(b, 0);
    let channels = u16_at(b, 2);
    let rate = u32_at(b, 4);
    let block_align = u16_at(b, 12);
    let bits = u16_at(b, 14);
    if tag == FORMAT_EXTENSIBLE {
        // cbSize(2) validBits(2) channelMask(4) then the sub-format GUID, whose first two
        // bytes are the plain format tag.
        if b.len() < 26 {
            return Err(MediaError::WavTruncated("extensible fmt chunk"));
        }
        tag = u16_at(b, 24);
    }
    if channels == 0 {
        return Err(MediaError::WavInvalidFormat("zero channels"));
    }
    if channels > 8 {
        return Err(MediaError::WavUnsupportedChannels(channels));
    }
    if !(8000..=48000).contains(&rate) {
        return Err(MediaError::WavUnsupportedRate(rate));
    }
    let supported = match tag {
        FORMAT_PCM => matches!(bits, 8 | 16 | 24 | 32),
        FORMAT_FLOAT => matches!(bits, 32 | 64),
        FORMAT_ALAW | FORMAT_ULAW => bits == 8,
        _ => false,
    };
    if !supported {
        return Err(MediaError::WavUnsupportedEncoding {
            format_tag: tag,
            bits,
        });
    }
    if u32::from(block_align) != u32::from(channels) * u32::from(bits / 8) {
        return Err(MediaError::WavInvalidFormat(
            "block alignment does not match channels and bits",
        ));
    }
    Ok(Format {
        tag,
        channels,
        rate,
        block_align,
        bits,
    })
}

/// One sample in 16-bit scale (-32768.0 ..= 32767.x) as `f32`.
fn sample_f32(format: &Format, b: &[u8]) -> f32 {
    match (format.tag, format.bits) {
        (FORMAT_PCM, 8) => (f32::from(b[0]) - 128.0) * 256.0,
        (FORMAT_PCM, 16) => f32::from(i16::from_le_bytes([b[0], b[1]])),
        (FORMAT_PCM, 24) => (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 256.0,
        (FORMAT_PCM, 32) => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 / 65536.0,
        (FORMAT_FLOAT, 32) => {
            float_to_scale(f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        }
        (FORMAT_FLOAT, 64) => float_to_scale(f64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ])),
        (FORMAT_ALAW, _) => f32::from(alaw_decode(b[0])),
        (FORMAT_ULAW, _) => f32::from(ulaw_decode(b[0])),
        // parse_fmt admits nothing else.
        _ => 0.0,
    }
}

fn float_to_scale(v: f64) -> f32 {
    if v.is_nan() {
        0.0
    } else {
        (v.clamp(-1.0, 1.0) * 32768.0) as f32
    }
}

fn to_mono_f32(format: &Format, data: &[u8], frames: usize) -> Vec<f32> {
    let width = usize::from(format.bits / 8);
    let channels = usize::from(format.channels);
    let scale = 1.0 / channels as f32;
    let mut out = Vec::with_capacity(frames);
    for frame in data.chunks_exact(usize::from(format.block_align)) {
        let sum: f32 = frame
            .chunks_exact(width)
            .map(|s| sample_f32(format, s))
            .sum();
        out.push(sum * scale);
    }
    out
}

fn f32_to_i16(v: f32) -> i16 {
    v.round().clamp(-32768.0, 32767.0) as i16
}
