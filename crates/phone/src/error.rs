//! Why the phone could not take its call.

use std::time::Duration;

/// Why the phone could not take its call.
#[derive(Debug, thiserror::Error)]
pub enum PhoneError {
    /// A loopback socket could not be bound.
    #[error("phone: cannot bind {what} on 127.0.0.1: {source}")]
    Bind {
        /// "SIP" or "RTP".
        what: &'static str,
        /// The IO error.
        source: std::io::Error,
    },
    /// A socket failed while the call was running.
    #[error("phone: socket error: {0}")]
    Io(#[from] std::io::Error),
    /// A key in the press list is not a DTMF key.
    #[error("phone: {0:?} is not a DTMF key (0-9, *, #, A-D)")]
    BadKey(char),
    /// No INVITE arrived in time.
    #[error("phone: no INVITE within {0:?}")]
    NoInvite(Duration),
    /// The INVITE offered no G.711 audio (answered 488).
    #[error("phone: the INVITE offered no PCMA or PCMU audio")]
    NoCommonCodec,
    /// The INVITE offered `RTP/SAVP` without an `a=crypto` line the phone supports
    /// (answered 488).
    #[error("phone: the INVITE offered SRTP without a usable a=crypto line")]
    NoUsableCrypto,
    /// The caller did not hang up in time.
    #[error("phone: the call was still up after {0:?}")]
    CallTooLong(Duration),
}
