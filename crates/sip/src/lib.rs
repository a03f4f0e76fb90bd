//! SIP user agent for voice-otp: outbound calls through a trunk.
//!
//! The core, [`UserAgent`], is sans-IO: it owns every call's client transactions (INVITE with
//! timers A, B, D; BYE/CANCEL/INFO/OPTIONS with timers E, F, K), the dialogs, digest auth and
//! the SDP offer/answer, and it answers the far end's in-dialog requests. It never reads a
//! clock or touches a socket: the caller feeds it input and drains its output.
//!
//! [`SipEndpoint`] is the thin tokio driver the daemon uses: one socket (UDP) or one
//! connection to the trunk (TCP, or TLS with rustls) for every call, one task running the
//! loop below.
//!
//! # Behaviour worth knowing
//!
//! - Every call ends with exactly one terminal event: [`SipEvent::Failed`] if it was never
//!   answered (rejected, timer B, auth, no common codec, transport) or [`SipEvent::Ended`]
//!   (remote BYE, our BYE completed, our CANCEL completed, transport broken).
//! - Every request of a call goes to the trunk address, like an outbound proxy, whatever the
//!   remote target or route set say: trunks and SBCs expect that, and it works behind NAT.
//! - [`UserAgent::cancel`] before any provisional response only queues the CANCEL (RFC 3261
//!   9.1); a 2xx that crosses the CANCEL is ACKed and BYEd and reported as
//!   `Ended { Cancelled { code: Some(200) } }`, never as `Answered`.
//! - Digest credentials are answered once per nonce: the same nonce challenged twice (wrong
//!   password) fails the call instead of looping.
//! - Malformed datagrams are counted ([`UserAgent::malformed_count`]) and dropped.
//!
//! # Run loop
//!
//! ```
//! use std::net::SocketAddr;
//! use std::time::Instant;
//! use voice_otp_sip::{CallRequest, MediaOffer, SipEvent, Transport, TrunkTarget, UaConfig, UserAgent};
//!
//! let trunk: SocketAddr = "127.0.0.1:5060".parse().unwrap();
//! let mut ua = UserAgent::new(UaConfig {
//!     local_addr: "127.0.0.1:5070".parse().unwrap(),
//!     transport: Transport::Udp,
//!     from_domain: "otp.example".into(),
//!     user_agent: "voice-otp".into(),
//!     username: String::new(),
//!     password: String::new(),
//!     trunk: Some(TrunkTarget { addr: trunk, host: "127.0.0.1:5060".into() }),
//!     keepalive: None,
//!     seed: 7,
//!     timers: Default::default(),
//! });
//! let now = Instant::now();
//! let key = ua.start_call(now, CallRequest {
//!     callee: "+31612345678".into(),
//!     caller: "+3197010".into(),
//!     anonymous: false,
//!     trunk: None,
//!     media: MediaOffer::g711("127.0.0.1:40000".parse().unwrap()),
//!     extra_headers: vec![],
//! });
//! // The driver repeats, until the call is over:
//! //   1. send everything poll_transmit() gives,
//! //   2. hand every poll_event() to the call,
//! //   3. wait for a datagram (-> handle_datagram) or poll_timeout() (-> handle_timeout).
//! let invite = ua.poll_transmit().unwrap();
//! assert_eq!(invite.destination, trunk);
//! assert!(invite.payload.starts_with(b"INVITE sip:+31612345678@127.0.0.1:5060 SIP/2.0"));
//! let deadline = ua.poll_timeout().unwrap(); // timer A: retransmit after T1
//! ua.handle_timeout(deadline);
//! assert!(ua.poll_transmit().is_some());
//! while let Some(event) = ua.poll_event() {
//!     assert_eq!(event.key(), Some(key));
//! }
//! ```

mod auth;
mod error;
mod fault;
mod message;
mod net;
mod sdes;
mod sdp;
mod secret;
mod tcp;
mod tls;
mod transport;
mod types;
mod ua;

pub use auth::{Challenge, DigestAlgorithm};
pub use error::{FramingError, SipError};
pub use message::{SipMessage, StartLine, parse_message};
pub use net::NetworkList;
pub use sdes::{
    CryptoAttribute, CryptoSuite, NegotiatedSrtp, SDES_KEY_LEN, SdesKey, SrtpOffer, SrtpPolicy,
};
pub use sdp::{
    AVP, Codec, Direction, MediaAddressError, MediaDescription, NegotiatedMedia, NegotiationError,
    OPUS_PT, RtpMap, SAVP, SessionDescription, check_media_address,
};
pub use tcp::frame_stream;
pub use tls::{TlsError, TlsSettings};
pub use transport::{DriverExit, EndpointConfig, EndpointStats, SipEndpoint};
pub use types::{
    CallId, CallKey, CallRequest, EndReason, FailReason, MediaOffer, SipEvent, Timers, Transmit,
    Transport, TrunkTarget, UaConfig,
};
pub use ua::{UserAgent, build_invite};
