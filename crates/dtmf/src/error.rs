//! The crate's one error type.

/// What can go wrong when decoding DTMF signalling from the network.
///
/// No variant carries the offending bytes: a body may come from anyone, and
/// errors end up in logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DtmfError {
    /// An RFC 4733 payload is shorter than one 4-byte event block.
    #[error("telephone-event payload too short: {len} bytes, need 4")]
    PayloadTooShort {
        /// Length of the payload that was received.
        len: usize,
    },
    /// An RFC 4733 payload is not a whole number of 4-byte event blocks.
    #[error("telephone-event payload length {len} is not a multiple of 4")]
    PayloadLength {
        /// Length of the payload that was received.
        len: usize,
    },
    /// A SIP INFO body came with a content type that carries no DTMF.
    #[error("SIP INFO content type is neither application/dtmf-relay nor application/dtmf")]
    UnsupportedContentType,
    /// A SIP INFO body is not valid UTF-8 text.
    #[error("SIP INFO DTMF body is not UTF-8 text")]
    NotText,
    /// An `application/dtmf-relay` body has no `Signal=` line.
    #[error("SIP INFO DTMF body has no Signal")]
    MissingSignal,
    /// The signal of a SIP INFO body is not one of the 16 DTMF keys.
    #[error("SIP INFO DTMF signal is not a DTMF key")]
    InvalidSignal,
    /// Stored key text holds a character that is not one of the 16 DTMF keys.
    #[error("not a DTMF key")]
    InvalidKey,
    /// The `Duration=` of an `application/dtmf-relay` body is not a number of milliseconds.
    #[error("SIP INFO DTMF duration is not a number of milliseconds")]
    InvalidDuration,
}
