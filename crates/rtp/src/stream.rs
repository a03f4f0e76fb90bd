//! What a stream is made of and what it reports: its ports, its configuration once the SDP
//! answer is known, its events and its closing figures.

use std::net::SocketAddr;

use voice_otp_dtmf::DtmfEvent;

use crate::latch::Latching;
use crate::ports::PortPair;
use crate::rtcp::ReportBlock;
use crate::sender::SenderStats;
use crate::srtp::SrtpStream;
use crate::stats::ReceiveStats;
use crate::types::{Codec, PayloadType, PlayId, Ssrc};

/// A bound even/odd socket pair from the engine's range, ready for a stream.
///
/// Reserve it before the SDP offer/answer (its ports go into the SDP), then hand it to
/// [`MediaEngine::open_stream`] in a [`StreamConfig`]. Dropping it frees the ports.
#[derive(Debug)]
pub struct LocalPorts {
    pub(crate) pair: PortPair,
    pub(crate) rtp: std::net::UdpSocket,
    pub(crate) rtcp: std::net::UdpSocket,
}

impl LocalPorts {
    /// The even RTP port.
    pub fn rtp_port(&self) -> u16 {
        self.pair.rtp()
    }

    /// The odd RTCP port.
    pub fn rtcp_port(&self) -> u16 {
        self.pair.rtcp()
    }
}

/// Everything a stream needs once the SDP answer is known.
#[derive(Debug)]
pub struct StreamConfig {
    /// Local ports from [`MediaEngine::reserve`].
    pub local: LocalPorts,
    /// The far end's RTP address from its SDP.
    pub remote: SocketAddr,
    /// The far end's RTCP address (default: RTP port + 1).
    pub remote_rtcp: Option<SocketAddr>,
    /// Negotiated codec.
    pub codec: Codec,
    /// Its negotiated payload type.
    pub payload_type: PayloadType,
    /// Negotiated telephone-event payload type, if any.
    pub telephone_event: Option<PayloadType>,
    /// Seed for SSRC, first sequence number and timestamp.
    pub seed: u64,
    /// Whether the stream may follow the far end to another port of its SDP IP, early and
    /// once (NAT); [`Latching::Strict`] sends to and accepts from `remote` only.
    pub latching: Latching,
    /// SRTP keys when the SDP negotiated `RTP/SAVP` (SDES); `None` for plain RTP.
    pub srtp: Option<SrtpStream>,
}

/// What a stream reports while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamEvent {
    /// The audio played with this id has been sent completely; silence follows. Audio
    /// that was stopped or replaced reports nothing, and an event already queued when a
    /// new `play` arrives still names the old id, so the caller tells them apart by id.
    PlaybackFinished(PlayId),
    /// The callee pressed a key.
    Dtmf(DtmfEvent),
    /// Symmetric latching re-targeted the stream to this far-end address (the SDP's IP,
    /// another port); at most once per stream.
    RemoteLatched(SocketAddr),
    /// The far end sent an RTCP BYE.
    RemoteBye,
}

/// Figures of a finished stream, for the CDR.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StreamStats {
    /// Our SSRC.
    pub ssrc: Option<Ssrc>,
    /// What we sent.
    pub sent: SenderStats,
    /// Datagrams the socket refused (buffer full or an error); the stream went on.
    pub send_errors: u64,
    /// What we received: loss and jitter per RFC 3550.
    pub received: ReceiveStats,
    /// The far end's last report about our stream, if it sent RTCP.
    pub remote_report: Option<ReportBlock>,
    /// RTCP datagrams that did not parse (ignored).
    pub rtcp_malformed: u64,
}
