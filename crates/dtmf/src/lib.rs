//! DTMF for voice-otp: every way a callee's key press reaches us, as one
//! [`DtmfEvent`] type.
//!
//! - [`InbandDetector`]: tones inside the 8 kHz audio (Goertzel-style block
//!   DFT with the ITU-T Q.24 / spandsp `dtmf_rx` acceptance rules).
//! - [`Rfc4733Tracker`]: RFC 4733 telephone-event RTP packets, sans-IO.
//! - [`parse_sip_info`]: `application/dtmf-relay` and `application/dtmf` bodies.
//! - [`DtmfMerger`]: one stream out of all of them, the same key seen by two
//!   sources within 150 ms counting once. A call has exactly one: the RTP receiver reports
//!   in-band and RFC 4733 presses on the stream's timeline unmerged, and the call runner
//!   feeds them and the SIP INFO presses ([`SipInfoDtmf::ended_at`]) to it.
//!
//! # Run loop
//!
//! Nothing here reads a clock or does IO. The caller feeds input and drains
//! output:
//!
//! ```
//! use std::time::Instant;
//! use voice_otp_dtmf::{DtmfMerger, InbandDetector, Rfc4733Tracker};
//!
//! let epoch = Instant::now();
//! let mut inband = InbandDetector::new();
//! let mut rfc4733 = Rfc4733Tracker::new(epoch);
//! let mut merger = DtmfMerger::new();
//!
//! // Per received audio frame (decoded to 8 kHz linear):
//! inband.process(&[0i16; 160]);
//! // Per telephone-event packet: rfc4733.handle_packet(now, ssrc, seq, ts, marker, payload)?;
//! // When rfc4733.poll_timeout() is reached:
//! rfc4733.handle_timeout(Instant::now());
//!
//! while let Some(ev) = inband.poll_event().or_else(|| rfc4733.poll_event()) {
//!     merger.handle_event(ev);
//! }
//! while let Some(press) = merger.poll_event() {
//!     println!("{}", press.digit);
//! }
//! ```

mod error;
mod event;
mod inband;
mod merge;
mod rfc4733;
mod sip_info;

pub use error::DtmfError;
pub use event::{Digit, DtmfEvent, DtmfSource, Keys};
pub use inband::{InbandDetector, SAMPLE_RATE};
pub use merge::{DtmfMerger, MERGE_WINDOW};
pub use rfc4733::{END_TIMEOUT, Rfc4733Tracker, TelephoneEvent};
pub use sip_info::{DEFAULT_INFO_DURATION, SipInfoDtmf, parse_sip_info};
