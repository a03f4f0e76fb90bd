//! RTP/RTCP for voice-otp: the audio a callee hears and the key presses that come back.
//!
//! - [`RtpSender`]: sans-IO paced sender of one stream. 20 ms packets on a fixed grid,
//!   random SSRC/sequence/timestamp from an injected seed, marker bit per talk spurt,
//!   continuous numbering across prompts, replays and the silence it fills in between,
//!   smooth catch-up after a late wake-up, RTCP SR about every 5 s and SR + BYE on close.
//!   Frames come from a [`FrameSource`] (a [`RenderedSource`] streams the media crate's
//!   pre-encoded G.711 or Opus frames without copying).
//! - [`RtpReceiver`]: sans-IO receiver. Accepts packets only from the far end's SDP
//!   address, or ([`Latching::Symmetric`], for a far end behind NAT) from one other port of
//!   the same IP that speaks first, in the first [`LATCH_WINDOW`] after the answer; drops
//!   and counts everyone else before parsing (once the target is settled the
//!   [`MediaEngine`] connects the socket and the kernel drops them uncounted). Checks the
//!   payload type, decodes G.711 into the in-band DTMF detector, feeds telephone-events to
//!   the RFC 4733 tracker, reports both on the stream's timeline (the call merges them with
//!   SIP INFO, once), and keeps
//!   RFC 3550 loss/jitter statistics ([`ReceiveStats`]).
//! - [`parse_compound`] / [`parse_rtp`]: RTCP and RTP parsers for datagrams off the wire.
//! - [`PortAllocator`]: even/odd port pairs drawn at random from a range such as
//!   `"20000-30000"`, so the port of a live call cannot be guessed from the last one.
//! - [`MediaEngine`]: the driver. A few pacing threads each send and receive for many
//!   streams from one timer wheel (no task, timer or lock per call), optionally real-time
//!   ([`PacerPriority`]) with an overload guard. `open_stream` returns a [`StreamHandle`]
//!   (`play`, `stop_playback`, `close`) and a tokio channel of [`StreamEvent`]s.
//!
//! # Run loop of the sans-IO sender
//!
//! Nothing in [`RtpSender`] reads a clock or touches a socket: the caller passes `now`,
//! asks for the next deadline, and sends what it is given.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use bytes::Bytes;
//! use voice_otp_rtp::{Codec, PayloadType, RtpSender, SenderConfig, SenderEvent, SlicedFrames};
//!
//! let start = Instant::now();
//! let mut sender = RtpSender::new(SenderConfig::new(Codec::Pcma, PayloadType::PCMA, 7), start);
//! // Two frames of "audio"; silence follows when they run out.
//! sender.play(Box::new(SlicedFrames::new(Bytes::from(vec![0x55; 320]), 160)));
//! let mut now = start;
//! let mut packets = 0;
//! let mut finished = false;
//! while now < start + Duration::from_millis(100) {
//!     sender.handle_timeout(now);
//!     while let Some(transmit) = sender.poll_transmit() {
//!         // socket.send_to(transmit.data, remote) for TransmitKind::Rtp, the odd port for Rtcp
//!         packets += 1;
//!         let _ = transmit;
//!     }
//!     while let Some(SenderEvent::PlaybackFinished) = sender.poll_event() {
//!         finished = true;
//!     }
//!     now = sender.poll_timeout().unwrap(); // the next 20 ms grid point
//! }
//! assert_eq!(packets, 5); // 0, 20, 40, 60, 80 ms
//! assert!(finished);
//! ```

mod engine;
mod error;
mod handle;
mod inbox;
mod latch;
mod pacing;
mod ports;
mod priority;
mod receiver;
mod rtcp;
mod scheduler;
mod sender;
mod source;
mod srtp;
mod stats;
mod stream;
mod types;

pub use engine::{EngineConfig, MediaEngine};
pub use error::RtpError;
pub use handle::StreamHandle;
pub use latch::{LATCH_WINDOW, Latching};
pub use pacing::{PacingSnapshot, PacingStats, Percentiles};
pub use ports::{PortAllocator, PortPair, PortRange};
pub use priority::{
    CALM_WINDOWS, DEMOTE_ABOVE, GUARD_WINDOW, OVERLOADED_WINDOWS, PROMOTE_BELOW, PacerPriority,
    PacerScheduling, PacketTotals,
};
pub use receiver::{ReceiverConfig, ReceiverEvent, RtpReceiver, RtpView, Verdict, parse_rtp};
pub use rtcp::{
    NtpTime, ReportBlock, RtcpSummary, SenderInfo, parse_compound, write_receiver_report,
};
pub use sender::{
    MAX_CATCH_UP, MIN_CATCH_UP_GAP, RTCP_INTERVAL, RtpSender, SenderConfig, SenderEvent,
    SenderStats, Transmit, TransmitKind,
};
pub use source::{FrameList, FrameSource, RenderedSource, SlicedFrames};
pub use srtp::{SRTP_MASTER_LEN, SrtpInbound, SrtpOutbound, SrtpStream, SrtpSuite};
pub use stats::ReceiveStats;
pub use stream::{LocalPorts, StreamConfig, StreamEvent, StreamStats};
pub use types::{Codec, PTIME, PayloadType, PlayId, RtpTimestamp, SeqNo, Ssrc};
