//! The built-in test phone of voice-otp: what `voice-otp demo` and the tests call.
//!
//! A small SIP UAS and RTP endpoint on loopback, made from the project's own sans-IO
//! pieces: SIP messages and SDP from `voice_otp_sip`, RTP parsing and numbering from
//! `voice_otp_rtp`, RFC 4733 payloads and keys from `voice_otp_dtmf`, G.711 from
//! `voice_otp_media`. It is test equipment, not part of the daemon.
//!
//! It answers one INVITE (100, 180, then after [`PhoneConfig::ring`] a 200 whose SDP answer
//! picks PCMA, else PCMU, and the offered telephone-event type; the 200 is resent until the
//! ACK), records the G.711 audio it receives into an 8 kHz track placed by RTP timestamp,
//! presses its keys as RFC 4733 events, answers BYE with 200 and reports what it heard
//! ([`PhoneReport`]). An INVITE without G.711 gets 488; a CANCEL before the answer gets 200
//! and the INVITE 487.
//!
//! **When keys are pressed**: like a person would, once the call has said something (at
//! least [`PhoneConfig::speech_before_press`] of sound) and then gone quiet for
//! [`PhoneConfig::quiet_before_press`]. Gaps inside a reading (300 ms between characters,
//! 800 ms between groups, 400 ms between prompts) are shorter than that, so with a replay
//! prompt the keys land in the replay wait, after the first reading was heard in full.
//!
//! Every wait is bounded: no INVITE within [`PhoneConfig::invite_within`] or a call longer
//! than [`PhoneConfig::max_call`] ends the call with an error.
//!
//! # Run loop
//!
//! [`PhoneCore`] is the call, sans-IO: it never reads a clock or touches a socket.
//! [`Phone`] is the thin tokio driver (two sockets on 127.0.0.1, one timer) that repeats:
//!
//! 1. send everything [`PhoneCore::poll_transmit`] gives, on the [`Socket`] it names;
//! 2. stop when [`PhoneCore::poll_outcome`] gives the result;
//! 3. wait for a datagram ([`PhoneCore::handle_sip`], [`PhoneCore::handle_rtp`]) or for
//!    [`PhoneCore::poll_timeout`] ([`PhoneCore::handle_timeout`]).
//!
//! Tests drive the core the same way in virtual time:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use voice_otp_phone::{LocalAddrs, PhoneConfig, PhoneCore, Socket};
//! use voice_otp_sip::parse_message;
//!
//! let local = LocalAddrs {
//!     sip: "127.0.0.1:5070".parse().unwrap(),
//!     rtp: "127.0.0.1:40000".parse().unwrap(),
//! };
//! let caller = "127.0.0.1:5060".parse().unwrap();
//! let start = Instant::now();
//! let mut phone = PhoneCore::new(PhoneConfig::default(), local, 7, start).unwrap();
//!
//! let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
//!            m=audio 30000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n\
//!            a=rtpmap:101 telephone-event/8000\r\n";
//! let invite = format!(
//!     "INVITE sip:phone@127.0.0.1:5070 SIP/2.0\r\n\
//!      Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1\r\n\
//!      From: <sip:otp@127.0.0.1>;tag=a\r\nTo: <sip:phone@127.0.0.1>\r\n\
//!      Call-ID: doc-1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n\
//!      Content-Length: {}\r\n\r\n{sdp}",
//!     sdp.len()
//! );
//! phone.handle_sip(start, caller, invite.as_bytes());
//!
//! let statuses = |phone: &mut PhoneCore| {
//!     let mut codes = Vec::new();
//!     while let Some(t) = phone.poll_transmit() {
//!         assert_eq!((t.socket, t.destination), (Socket::Sip, caller));
//!         codes.push(parse_message(&t.payload).unwrap().status().unwrap());
//!     }
//!     codes
//! };
//! assert_eq!(statuses(&mut phone), [100, 180]);
//! // It rings, then answers.
//! let answer_at = phone.poll_timeout().unwrap();
//! assert_eq!(answer_at - start, Duration::from_millis(300));
//! phone.handle_timeout(answer_at);
//! assert_eq!(statuses(&mut phone), [200]);
//! assert!(phone.poll_outcome().is_none(), "the call goes on until BYE");
//! ```

mod call;
mod config;
mod driver;
mod error;
mod keys;
mod recorder;
mod uas;

pub use call::{LocalAddrs, PhoneCore, Socket, Transmit};
pub use config::{PhoneConfig, PhoneReport};
pub use driver::Phone;
pub use error::PhoneError;
