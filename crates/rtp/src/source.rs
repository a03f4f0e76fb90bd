//! Where the sender's 20 ms payloads come from.

use bytes::Bytes;

/// A sequence of pre-encoded 20 ms payloads for one codec.
///
/// The sender pulls one frame per packet; returning shared `Bytes` (slices of one encoded
/// prompt) keeps the per-packet path free of copies and allocation.
pub trait FrameSource: Send {
    /// The next 20 ms payload, or `None` when the source is exhausted.
    fn next_frame(&mut self) -> Option<Bytes>;

    /// Lends the next 20 ms payload to `emit`; `false` (and `emit` not called) when the
    /// source is exhausted. Advances the source like [`next_frame`](Self::next_frame).
    ///
    /// The pacer uses this one: it copies the payload into the packet buffer anyway, and a
    /// borrowed slice spares it the reference count of a buffer that thousands of streams
    /// on several pacing threads share (an atomic on one contended cache line per packet,
    /// measured at ~5 % of a pacer thread). The default goes through `next_frame`; sources
    /// over a shared buffer override it.
    fn emit_next_frame(&mut self, emit: &mut dyn FnMut(&[u8])) -> bool {
        match self.next_frame() {
            Some(frame) => {
                emit(&frame);
                true
            }
            None => false,
        }
    }
}

/// Fixed-size frames cut from one contiguous encoded buffer, zero-copy.
///
/// For G.711 a frame is 160 bytes (one byte per sample). A trailing partial frame is sent
/// as is (the next packet still follows 20 ms later).
#[derive(Clone, Debug)]
pub struct SlicedFrames {
    data: Bytes,
    frame_len: usize,
    offset: usize,
}

impl SlicedFrames {
    /// Frames of `frame_len` bytes out of `data`; a `frame_len` of 0 yields nothing.
    pub fn new(data: Bytes, frame_len: usize) -> Self {
        SlicedFrames {
            data,
            frame_len,
            offset: 0,
        }
    }

    /// How many frames are left.
    pub fn remaining(&self) -> usize {
        if self.frame_len == 0 {
            return 0;
        }
        (self.data.len() - self.offset).div_ceil(self.frame_len)
    }
}

impl SlicedFrames {
    /// The byte range of the next frame, advancing past it.
    fn advance(&mut self) -> Option<std::ops::Range<usize>> {
        if self.frame_len == 0 || self.offset >= self.data.len() {
            return None;
        }
        let start = self.offset;
        self.offset = (start + self.frame_len).min(self.data.len());
        Some(start..self.offset)
    }
}

impl FrameSource for SlicedFrames {
    fn next_frame(&mut self) -> Option<Bytes> {
        let range = self.advance()?;
        Some(self.data.slice(range))
    }

    fn emit_next_frame(&mut self, emit: &mut dyn FnMut(&[u8])) -> bool {
        match self.advance() {
            Some(range) => {
                emit(&self.data[range]);
                true
            }
            None => false,
        }
    }
}

/// Frames from a list of already separate payloads (for Opus, whose frames vary in size).
#[derive(Clone, Debug)]
pub struct FrameList {
    frames: std::sync::Arc<[Bytes]>,
    next: usize,
}

impl FrameList {
    /// A source that yields `frames` in order.
    pub fn new(frames: std::sync::Arc<[Bytes]>) -> Self {
        FrameList { frames, next: 0 }
    }
}

impl FrameSource for FrameList {
    fn next_frame(&mut self) -> Option<Bytes> {
        let frame = self.frames.get(self.next)?.clone();
        self.next += 1;
        Some(frame)
    }

    fn emit_next_frame(&mut self, emit: &mut dyn FnMut(&[u8])) -> bool {
        match self.frames.get(self.next) {
            Some(frame) => {
                self.next += 1;
                emit(frame);
                true
            }
            None => false,
        }
    }
}

/// The frames of a rendered prompt from the media crate, in the stream's codec.
///
/// G.711 frames are zero-copy slices of the rendering's shared buffer; Opus frames are the
/// rendering's cached Opus packets (encoded once, on first use).
#[derive(Debug)]
pub struct RenderedSource {
    audio: std::sync::Arc<voice_otp_media::RenderedAudio>,
    law: Option<voice_otp_media::G711Law>,
    next: usize,
}

impl RenderedSource {
    /// A source playing `audio` from its start in `codec`.
    pub fn new(
        audio: std::sync::Arc<voice_otp_media::RenderedAudio>,
        codec: crate::types::Codec,
    ) -> Result<Self, crate::error::RtpError> {
        let law = codec.g711_law();
        if law.is_none() {
            // Opus: encode now, on the caller's side, so the pacer only ever clones packets.
            audio.opus_frames().map_err(crate::error::RtpError::Opus)?;
        }
        Ok(RenderedSource {
            audio,
            law,
            next: 0,
        })
    }
}

impl FrameSource for RenderedSource {
    fn next_frame(&mut self) -> Option<Bytes> {
        let frame = match self.law {
            Some(law) => (self.next < self.audio.frame_count())
                .then(|| self.audio.g711_frame(law, self.next)),
            // Already encoded in `new`, so this is a cache read.
            None => self.audio.opus_frames().ok()?.get(self.next).cloned(),
        };
        self.next += 1;
        frame
    }

    fn emit_next_frame(&mut self, emit: &mut dyn FnMut(&[u8])) -> bool {
        let i = self.next;
        let frame = match self.law {
            Some(law) if i < self.audio.frame_count() => {
                let all = self.audio.g711(law);
                // `g711` holds `frame_count` frames back to back, one byte per sample.
                let len = all.len() / self.audio.frame_count();
                all.get(i * len..(i + 1) * len)
            }
            Some(_) => None,
            None => self
                .audio
                .opus_frames()
                .ok()
                .and_then(|f| f.get(i))
                .map(|b| &b[..]),
        };
        self.next += 1;
        match frame {
            Some(frame) => {
                emit(frame);
                true
            }
            None => false,
        }
    }
}
