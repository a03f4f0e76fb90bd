//! RTP/RTCP for voice-otp (work in progress).

mod engine;
mod error;
mod pacing;
mod ports;
mod receiver;
mod rtcp;
mod scheduler;
mod sender;
mod source;
mod stats;
mod types;

pub use engine::{
    EngineConfig, LocalPorts, MediaEngine, StreamConfig, StreamEvent, StreamHandle, StreamStats,
};
pub use error::RtpError;
pub use pacing::PacingStats;
pub use ports::{PortAllocator, PortPair, PortRange};
pub use receiver::{ReceiverConfig, ReceiverEvent, RtpReceiver, RtpView, parse_rtp};
pub use rtcp::{
    NtpTime, ReportBlock, RtcpSummary, SenderInfo, parse_compound, write_receiver_report,
};
pub use sender::{
    MAX_CATCH_UP, MIN_CATCH_UP_GAP, RTCP_INTERVAL, RtpSender, SenderConfig, SenderEvent,
    SenderStats, Transmit, TransmitKind,
};
pub use source::{FrameList, FrameSource, RenderedSource, SlicedFrames};
pub use stats::ReceiveStats;
pub use types::{Codec, PTIME, PayloadType, RtpTimestamp, SeqNo, Ssrc};
