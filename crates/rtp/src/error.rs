//! The crate's error type.

use std::io;

/// Everything that can go wrong in the RTP layer.
#[derive(Debug, thiserror::Error)]
pub enum RtpError {
    /// The configured port range text is not `"low-high"` with an even low port below high.
    #[error("invalid RTP port range {0:?}: expected \"low-high\" with low < high")]
    InvalidPortRange(String),
    /// The latching mode is neither `"strict"` nor `"symmetric"`.
    #[error("invalid RTP latching mode {0:?}: expected \"strict\" or \"symmetric\"")]
    InvalidLatching(String),
    /// Every even/odd port pair in the configured range is in use.
    #[error("RTP port range {low}-{high} exhausted: all {pairs} port pairs are in use")]
    PortsExhausted {
        /// Lowest port of the range.
        low: u16,
        /// Highest port of the range.
        high: u16,
        /// Number of pairs in the range.
        pairs: usize,
    },
    /// Binding or configuring a UDP socket failed.
    #[error("RTP socket on port {port}: {source}")]
    Socket {
        /// The local port concerned.
        port: u16,
        /// The operating-system error.
        #[source]
        source: io::Error,
    },
    /// The datagram is not an RTP version 2 packet.
    #[error("malformed RTP packet")]
    MalformedRtp,
    /// The datagram is not a valid RTCP compound packet.
    #[error("malformed RTCP packet")]
    MalformedRtcp,
    /// The media engine worker has shut down.
    #[error("media engine is shut down")]
    EngineStopped,
    /// An SRTP master key is not 30 bytes (128-bit key and 112-bit salt).
    #[error("SRTP master key and salt must be 30 bytes")]
    SrtpKey,
    /// An SRTP or SRTCP packet did not authenticate (wrong key, forged or cut short).
    #[error("SRTP packet failed authentication")]
    SrtpAuth,
    /// An SRTP or SRTCP packet was seen before, or is older than the replay window.
    #[error("SRTP packet replayed")]
    SrtpReplay,
    /// Encoding a rendering to Opus failed.
    #[error("encoding the prompt to Opus failed")]
    Opus(#[source] voice_otp_media::MediaError),
}
