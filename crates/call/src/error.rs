//! The call crate's one error type.

/// What can go wrong building or running a call before it reaches the wire, or while
/// opening its media.
///
/// Never carries the OTP code: a code that cannot be rendered is reported without the
/// renderer's detail (which could name a character's spelling file).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The call has neither a code nor a code prompt, so a reading would be empty.
    #[error("the call has nothing to read: no code and no code prompt")]
    NothingToRead,
    /// A Request DTMF `regex` does not compile, or compiles too large.
    #[error("the digit pattern is not a valid regular expression of bounded size")]
    Pattern,
    /// A prompt could not be rendered.
    #[error("a prompt could not be rendered: {0}")]
    RenderPrompt(#[source] voice_otp_media::MediaError),
    /// The code could not be rendered (detail withheld: it could reveal a character).
    #[error("the code could not be rendered")]
    RenderCode(#[source] voice_otp_media::MediaError),
    /// The rendering task panicked or was cancelled.
    #[error("the rendering task did not complete")]
    RenderTask,
    /// A trunk group needs one SIP endpoint per trunk.
    #[error("{endpoints} SIP endpoints for {trunks} trunks")]
    TrunkEndpoints {
        /// Endpoints given.
        endpoints: usize,
        /// Trunks in the group.
        trunks: usize,
    },
    /// The dialog's RTP ports were already handed to a stream.
    #[error("the call's RTP ports are already in use by its stream")]
    PortsUsed,
    /// The answer chose a payload type that does not fit RTP's 7 bits.
    #[error("invalid RTP payload type {0} in the answer")]
    PayloadType(u8),
    /// The SDP negotiated an SRTP suite the media engine does not implement.
    #[error("the negotiated SRTP suite is not supported by the media engine")]
    SrtpSuite,
    /// The media engine could not open the stream.
    #[error("the media stream could not be opened: {0}")]
    Stream(#[from] voice_otp_rtp::RtpError),
}
