//! Where the sender's 20 ms payloads come from.

use bytes::Bytes;

/// A sequence of pre-encoded 20 ms payloads for one codec.
///
/// The sender pulls one frame per packet; returning shared `Bytes` (slices of one encoded
/// prompt) keeps the per-packet path free of copies and allocation.
pub trait FrameSource: Send {
    /// The next 20 ms payload, or `None` when the source is exhausted.
    fn next_frame(&mut self) -> Option<Bytes>;
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

impl FrameSource for SlicedFrames {
    fn next_frame(&mut self) -> Option<Bytes> {
        if self.frame_len == 0 || self.offset >= self.data.len() {
            return None;
        }
        let end = (self.offset + self.frame_len).min(self.data.len());
        let frame = self.data.slice(self.offset..end);
        self.offset = end;
        Some(frame)
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
        let law = match codec {
            crate::types::Codec::Pcma => Some(voice_otp_media::G711Law::Alaw),
            crate::types::Codec::Pcmu => Some(voice_otp_media::G711Law::Ulaw),
            crate::types::Codec::Opus => {
                // Encode now, on the caller's side, so the pacer only ever clones packets.
                audio.opus_frames().map_err(crate::error::RtpError::Opus)?;
                None
            }
        };
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
}
