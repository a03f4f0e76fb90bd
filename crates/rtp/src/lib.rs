//! RTP/RTCP for voice-otp (work in progress).

mod error;
mod ports;
mod stats;
mod rtcp;
mod sender;
mod source;
mod types;

pub use error::RtpError;
pub use rtcp::{NtpTime, ReportBlock, RtcpSummary, SenderInfo, parse_compound, write_receiver_report};
pub use sender::{
    MAX_CATCH_UP, MIN_CATCH_UP_GAP, RTCP_INTERVAL, RtpSender, SenderConfig, SenderEvent, SenderStats,
    Transmit, TransmitKind,
};
pub use source::{FrameList, FrameSource, SlicedFrames};
pub use types::{Codec, PTIME, PayloadType, RtpTimestamp, SeqNo, Ssrc};
pub use ports::{PortAllocator, PortPair, PortRange};
pub use stats::ReceiveStats;
