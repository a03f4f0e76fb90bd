//! Newtypes for the numbers RTP puts on the wire, and the codecs we send.

use std::fmt;
use std::time::Duration;

/// The packet interval every voice-otp stream uses (RFC 3551 default for G.711).
pub const PTIME: Duration = Duration::from_millis(20);

/// RTP synchronisation source identifier (RFC 3550 section 5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ssrc(pub u32);

/// RTP sequence number; wraps at 2^16.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeqNo(pub u16);

impl SeqNo {
    /// The number after this one, wrapping.
    pub fn next(self) -> Self {
        SeqNo(self.0.wrapping_add(1))
    }
}

/// RTP media timestamp in the clock of the payload format; wraps at 2^32.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RtpTimestamp(pub u32);

impl RtpTimestamp {
    /// This timestamp advanced by `ticks` clock units, wrapping.
    pub fn wrapping_add(self, ticks: u32) -> Self {
        RtpTimestamp(self.0.wrapping_add(ticks))
    }
}

/// RTP payload type, 0..=127.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PayloadType(u8);

impl PayloadType {
    /// PCMU (G.711 u-law), static payload type 0.
    pub const PCMU: PayloadType = PayloadType(0);
    /// PCMA (G.711 A-law), static payload type 8.
    pub const PCMA: PayloadType = PayloadType(8);

    /// A payload type, or `None` when `pt` does not fit in 7 bits.
    pub fn new(pt: u8) -> Option<Self> {
        (pt <= 127).then_some(PayloadType(pt))
    }

    /// The 7-bit number.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for PayloadType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Names one `play` of a stream; its [`StreamEvent::PlaybackFinished`](crate::StreamEvent)
/// carries it back. The call flow numbers its plays with it, so a late "finished" of audio
/// that was replaced is recognised by its id, not guessed from timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlayId(pub u64);

/// The audio codec a stream carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 u-law, 8 kHz.
    Pcmu,
    /// G.711 A-law, 8 kHz.
    Pcma,
    /// Opus (RFC 7587): RTP clock 48 kHz whatever the audio bandwidth.
    Opus,
}

impl Codec {
    /// RTP clock rate in Hz.
    pub fn clock_rate(self) -> u32 {
        match self {
            Codec::Pcmu | Codec::Pcma => 8_000,
            Codec::Opus => 48_000,
        }
    }

    /// Timestamp ticks in one 20 ms packet.
    pub fn ticks_per_packet(self) -> u32 {
        self.clock_rate() / 50
    }

    /// The static payload type, if the codec has one.
    pub fn static_payload_type(self) -> Option<PayloadType> {
        match self {
            Codec::Pcmu => Some(PayloadType::PCMU),
            Codec::Pcma => Some(PayloadType::PCMA),
            Codec::Opus => None,
        }
    }

    /// The G.711 law of the codec, `None` for Opus: the one mapping from the stream's codec
    /// to the media crate's tables (sending, receiving and silence all go through it).
    pub fn g711_law(self) -> Option<voice_otp_media::G711Law> {
        match self {
            Codec::Pcmu => Some(voice_otp_media::G711Law::Ulaw),
            Codec::Pcma => Some(voice_otp_media::G711Law::Alaw),
            Codec::Opus => None,
        }
    }

    /// One 20 ms frame of silence in this codec.
    pub fn silence_frame(self) -> bytes::Bytes {
        match self.g711_law() {
            Some(law) => law.silence_frame(),
            // An Opus TOC byte for a 20 ms CELT frame followed by the code for digital
            // silence; decoders render it as 20 ms of nothing.
            None => bytes::Bytes::from_static(&[0xf8, 0xff, 0xfe]),
        }
    }
}
