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
}
