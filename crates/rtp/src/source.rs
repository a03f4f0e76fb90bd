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
