use thiserror::Error;

/// Everything that can go wrong in the SIP crate.
#[derive(Debug, Error)]
pub enum SipError {
    /// A SIP message could not be parsed (framing, start line or headers).
    #[error("malformed SIP message: {0}")]
    Malformed(&'static str),
    /// rsip rejected the message after compact-form expansion.
    #[error("SIP parser rejected the message")]
    Parser(#[source] rsip::Error),
    /// An SDP body could not be parsed.
    #[error("malformed SDP: {0}")]
    Sdp(&'static str),
    /// A digest challenge could not be parsed or uses an unsupported algorithm.
    #[error("unusable digest challenge: {0}")]
    Challenge(&'static str),
    /// The call key is unknown or the call is already over.
    #[error("no such call")]
    NoSuchCall,
    /// The request is not possible in the call's current state.
    #[error("call is not in a state that allows this: {0}")]
    InvalidState(&'static str),
    /// The trunk name could not be resolved to an address.
    #[error("cannot resolve trunk {0:?}")]
    Resolve(String),
    /// A socket operation failed.
    #[error("SIP socket error")]
    Io(#[from] std::io::Error),
    /// The endpoint's driver task is no longer running.
    #[error("SIP endpoint is shut down")]
    Shutdown,
    /// A stream (TCP) could not be cut into messages; the connection is unusable.
    #[error("SIP stream framing: {0}")]
    Framing(#[from] FramingError),
    /// `[rtp] srtp` is not `off`, `optional` or `required`.
    #[error("invalid SRTP mode {0:?}: expected \"off\", \"optional\" or \"required\"")]
    SrtpPolicy(String),
    /// The operating system's random number generator failed (no SRTP key can be made).
    #[error("the operating system's random number generator failed")]
    Random,
    /// The TLS client could not be set up from `[sip] tls-*` (unreadable file, no roots).
    #[error("SIP over TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
    /// An item of an address list is neither an IP address nor a CIDR network.
    #[error("{0:?} is not an IP address or a network like 192.0.2.0/24")]
    Network(String),
}

/// Why bytes on a stream connection cannot be cut into SIP messages (RFC 3261 18.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum FramingError {
    /// No blank line ends the headers within the size limit.
    #[error("headers longer than {limit} bytes")]
    HeadersTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The header block is not UTF-8.
    #[error("headers are not UTF-8")]
    NotUtf8,
    /// A Content-Length value is not a decimal number that fits in memory.
    #[error("Content-Length is not a usable number")]
    BadContentLength,
    /// Headers and body together would be larger than the limit.
    #[error("message of {length} body bytes is over the {limit} byte limit")]
    TooLong {
        /// The announced body length.
        length: u64,
        /// The limit, in bytes.
        limit: usize,
    },
}
