//! What the phone is told to do, and what it reports back.

use std::time::Duration;

use voice_otp_sip::Codec;

/// How the phone behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneConfig {
    /// Keys to press (0-9, `*`, `#`, A-D), one after another.
    pub press: String,
    /// Ringing between the 180 and the 200.
    pub ring: Duration,
    /// Sound heard before keys may be pressed.
    pub speech_before_press: Duration,
    /// Quiet after the sound before the keys are pressed.
    pub quiet_before_press: Duration,
    /// Give up when no INVITE arrives within this.
    pub invite_within: Duration,
    /// Give up when the call lasts longer than this.
    pub max_call: Duration,
    /// A media relay in the path (a test's wire tap): the phone writes this address into
    /// its SDP answer and sends its RTP there instead of to the caller; the relay forwards
    /// both ways. `None`: media goes directly.
    pub media_via: Option<std::net::SocketAddr>,
}

impl Default for PhoneConfig {
    fn default() -> Self {
        PhoneConfig {
            press: String::new(),
            ring: Duration::from_millis(300),
            speech_before_press: Duration::from_secs(1),
            quiet_before_press: Duration::from_millis(1500),
            invite_within: Duration::from_secs(20),
            max_call: Duration::from_secs(120),
            media_via: None,
        }
    }
}

/// What the phone heard and did.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneReport {
    /// The received audio, 8 kHz mono, silence where nothing arrived.
    pub heard: Vec<i16>,
    /// The codec the phone answered with.
    pub codec: Codec,
    /// The keys sent (at least their start packet), in order.
    pub pressed: String,
    /// RTP audio packets received (for SRTP: those that authenticated).
    pub packets_received: u64,
    /// The SRTP suite of the call, when the offer was `RTP/SAVP`.
    pub srtp: Option<voice_otp_sip::CryptoSuite>,
}
