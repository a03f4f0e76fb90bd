//! The sans-IO receiver of one stream: validation, statistics and key presses.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtp::header::Header;
use webrtc_util::marshal::Unmarshal;

use voice_otp_dtmf::{DtmfEvent, InbandDetector, Rfc4733Tracker};

use crate::error::RtpError;
use crate::latch::{Admission, Latching, SourceFilter};
use crate::srtp::SrtpInbound;
use crate::stats::{ReceiveStats, SourceState};
use crate::types::{Codec, PayloadType, RtpTimestamp, SeqNo, Ssrc};

/// What a receiver accepts.
#[derive(Clone, Copy, Debug)]
pub struct ReceiverConfig {
    /// Codec of the audio payload type.
    pub codec: Codec,
    /// Negotiated audio payload type.
    pub payload_type: PayloadType,
    /// Negotiated telephone-event (RFC 4733) payload type, if any.
    pub telephone_event: Option<PayloadType>,
    /// Where the far end said it sends from (its SDP address).
    pub remote: SocketAddr,
    /// Whether the stream may follow the far end to another port of its SDP IP (NAT).
    pub latching: Latching,
}

/// Something the receiver learned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiverEvent {
    /// Symmetric latching re-targeted to this source address (the SDP's IP, another
    /// port); send to it from now on. Happens at most once per stream.
    Latched(SocketAddr),
    /// A key press, from in-band tones or telephone-events, as that source saw it (a press
    /// sent both ways is reported twice: the call merges every source, SIP INFO included,
    /// once, with a `DtmfMerger`). Its `start` counts from the receiver's `now` at creation.
    Dtmf(DtmfEvent),
}

/// What the receiver did with a well-formed datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// From the stream's source with a negotiated payload type: taken in.
    Accepted,
    /// From a source the stream does not accept: dropped and counted.
    WrongSource,
    /// From the right source with a payload type not negotiated: dropped and counted.
    WrongPayloadType,
}

/// Parsed fixed fields of an RTP packet and where its payload is in the datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtpView {
    /// Marker bit.
    pub marker: bool,
    /// Payload type.
    pub payload_type: PayloadType,
    /// Sequence number.
    pub seq: SeqNo,
    /// Timestamp.
    pub timestamp: RtpTimestamp,
    /// SSRC.
    pub ssrc: Ssrc,
    /// Byte range of the payload (padding removed) in the datagram.
    pub payload: std::ops::Range<usize>,
}

/// Parses an RTP datagram with the `rtp` crate's header parser, without copying the payload.
pub fn parse_rtp(data: &[u8]) -> Result<RtpView, RtpError> {
    let mut buf = data;
    let header = Header::unmarshal(&mut buf).map_err(|_| RtpError::MalformedRtp)?;
    if header.version != 2 {
        return Err(RtpError::MalformedRtp);
    }
    let start = data.len() - buf.len();
    let mut end = data.len();
    if header.padding {
        let pad = usize::from(*data.last().ok_or(RtpError::MalformedRtp)?);
        if pad == 0 || pad > end - start {
            return Err(RtpError::MalformedRtp);
        }
        end -= pad;
    }
    Ok(RtpView {
        marker: header.marker,
        payload_type: PayloadType::new(header.payload_type).ok_or(RtpError::MalformedRtp)?,
        seq: SeqNo(header.sequence_number),
        timestamp: RtpTimestamp(header.timestamp),
        ssrc: Ssrc(header.ssrc),
        payload: start..end,
    })
}

/// The receiving half of one stream (sans-IO).
///
/// Feed every datagram from the RTP socket to [`handle_datagram`](Self::handle_datagram),
/// call [`handle_timeout`](Self::handle_timeout) at [`poll_timeout`](Self::poll_timeout),
/// and drain [`poll_event`](Self::poll_event).
pub struct RtpReceiver {
    config: ReceiverConfig,
    filter: SourceFilter,
    epoch: Instant,
    source: Option<SourceState>,
    /// Expected/received of sources seen before an SSRC change.
    prior_expected: u64,
    prior_received: u64,
    pcm: [i16; 160],
    /// A re-target not yet reported.
    latched: Option<SocketAddr>,
    inband: InbandDetector,
    /// Where the in-band detector's sample clock (zero at the first audio sample) sits on
    /// the receiver's timeline: set by the first audio packet.
    inband_zero: Option<Duration>,
    rfc4733: Rfc4733Tracker,
    /// Key presses of both sources, on the receiver's timeline, not yet polled.
    presses: VecDeque<DtmfEvent>,
    /// Telephone-event payloads the tracker refused.
    bad_events: u64,
    stats: ReceiveStats,
    /// Unprotects SRTP before anything is parsed, when the stream is encrypted.
    srtp: Option<SrtpInbound>,
}

impl RtpReceiver {
    /// A receiver whose timeline (for jitter and key-press times) starts at `now`, the
    /// moment of the answer (the latching window runs from it).
    pub fn new(config: ReceiverConfig, now: Instant) -> Self {
        RtpReceiver {
            config,
            filter: SourceFilter::new(config.latching, config.remote, now),
            epoch: now,
            source: None,
            prior_expected: 0,
            prior_received: 0,
            pcm: [0; 160],
            latched: None,
            inband: InbandDetector::new(),
            inband_zero: None,
            rfc4733: Rfc4733Tracker::with_clock_rate(now, config.codec.clock_rate()),
            presses: VecDeque::new(),
            bad_events: 0,
            stats: ReceiveStats::default(),
            srtp: None,
        }
    }

    /// The same receiver for an SRTP stream: every datagram from an admitted source must
    /// authenticate with `inbound` (and not be a replay) before it is parsed, so only the
    /// key holder can latch the stream, press keys or move its statistics.
    pub fn with_srtp(mut self, inbound: SrtpInbound) -> Self {
        self.srtp = Some(inbound);
        self
    }

    /// Replaces the far end's key of an SRTP stream (a re-INVITE changed its `a=crypto`
    /// key, RFC 4568 section 7.1.4): from now on only packets under the new key are taken,
    /// with a fresh replay window. A plain stream stays plain and returns `false`.
    pub fn rekey_srtp(&mut self, inbound: SrtpInbound) -> bool {
        match self.srtp.as_mut() {
            Some(current) => {
                *current = inbound;
                true
            }
            None => false,
        }
    }

    /// The address packets are accepted from (after a re-target, the new one).
    pub fn remote(&self) -> SocketAddr {
        self.filter.target()
    }

    /// Whether the source can no longer change at `now` (always in strict mode; in
    /// symmetric mode once a packet came from the target, or once the window has passed).
    pub fn is_settled(&self, now: Instant) -> bool {
        self.filter.is_settled(now)
    }

    /// Feeds one datagram received at `now` from `from`. Malformed datagrams from the
    /// stream's source return an error; packets from any other source, or with a payload
    /// type not negotiated, are counted and dropped, as the verdict says.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        from: SocketAddr,
        data: &[u8],
    ) -> Result<Verdict, RtpError> {
        // The source first, before any parsing: a stranger's datagrams cost one compare.
        let admission = self.filter.admit(now, from);
        if admission == Admission::Reject {
            self.stats.rejected_source += 1;
            return Ok(Verdict::WrongSource);
        }
        let plain;
        let data = match self.srtp.as_mut() {
            Some(srtp) => match srtp.unprotect_rtp(data) {
                Ok(p) => {
                    plain = p;
                    &plain[..]
                }
                Err(e) => {
                    self.stats.srtp_rejected += 1;
                    return Err(e);
                }
            },
            None => data,
        };
        let view = match parse_rtp(data) {
            Ok(v) => v,
            Err(e) => {
                self.stats.malformed += 1;
                return Err(e);
            }
        };
        let is_audio = view.payload_type == self.config.payload_type;
        let is_event = Some(view.payload_type) == self.config.telephone_event;
        if !is_audio && !is_event {
            self.stats.rejected_payload_type += 1;
            return Ok(Verdict::WrongPayloadType);
        }
        if admission == Admission::Candidate {
            self.filter.latch(from);
            self.latched = Some(from);
        }
        self.take_packet(now, &view, &data[view.payload.clone()], is_audio);
        Ok(Verdict::Accepted)
    }

    /// Statistics, and the payload to the in-band detector or the RFC 4733 tracker.
    fn take_packet(&mut self, now: Instant, view: &RtpView, payload: &[u8], is_audio: bool) {
        self.stats.packets += 1;
        self.stats.octets += payload.len() as u64;
        let clock = self.config.codec.clock_rate();
        let source = match &mut self.source {
            Some(s) if s.ssrc == view.ssrc => s,
            slot => {
                if let Some(old) = slot.take() {
                    self.prior_expected += old.expected();
                    self.prior_received += old.received();
                }
                slot.insert(SourceState::new(view.ssrc, view.seq, clock, self.epoch))
            }
        };
        source.update_seq(view.seq);
        if is_audio {
            source.update_jitter(now, view.timestamp);
            // Opus audio is not decoded here: key presses under Opus come as RFC 4733.
            if let Some(law) = self.config.codec.g711_law() {
                self.inband_zero
                    .get_or_insert_with(|| now.saturating_duration_since(self.epoch));
                for chunk in payload.chunks(self.pcm.len()) {
                    let pcm = &mut self.pcm[..chunk.len()];
                    law.decode_slice(chunk, pcm);
                    self.inband.process(pcm);
                }
            }
        } else if self
            .rfc4733
            .handle_packet(
                now,
                view.ssrc.0,
                view.seq.0,
                view.timestamp.0,
                view.marker,
                payload,
            )
            .is_err()
        {
            self.bad_events += 1;
        }
        self.collect_presses();
    }

    /// Moves both sources' presses to the queue, in-band ones shifted onto the timeline.
    fn collect_presses(&mut self) {
        let zero = self.inband_zero.unwrap_or_default();
        while let Some(mut ev) = self.inband.poll_event() {
            ev.start += zero;
            self.presses.push_back(ev);
        }
        while let Some(ev) = self.rfc4733.poll_event() {
            self.presses.push_back(ev);
        }
    }

    /// Advances time to `now` (ends key presses whose end packets were lost).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.rfc4733.handle_timeout(now);
        self.collect_presses();
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next needed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.rfc4733.poll_timeout()
    }

    /// Ends the stream: a key still held is reported now.
    pub fn finish(&mut self, now: Instant) {
        self.inband.flush();
        self.rfc4733
            .handle_timeout(now + voice_otp_dtmf::END_TIMEOUT);
        self.collect_presses();
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<ReceiverEvent> {
        if let Some(addr) = self.latched.take() {
            return Some(ReceiverEvent::Latched(addr));
        }
        self.presses.pop_front().map(ReceiverEvent::Dtmf)
    }

    /// Telephone-event payloads that did not parse.
    pub fn bad_telephone_events(&self) -> u64 {
        self.bad_events
    }

    /// An RFC 3550 reception report block about the current source (advances the
    /// "since last report" counters), or `None` before any packet.
    pub fn report_block(&mut self) -> Option<crate::rtcp::ReportBlock> {
        self.source.as_mut().map(SourceState::report_block)
    }

    /// Statistics so far (RFC 3550 loss and jitter of the current source).
    pub fn stats(&self) -> ReceiveStats {
        let mut s = self.stats;
        let (mut expected, mut received) = (self.prior_expected, self.prior_received);
        if let Some(src) = &self.source {
            expected += src.expected();
            received += src.received();
            s.jitter_ticks = src.jitter_ticks();
            s.jitter = src.jitter();
        }
        s.expected = expected;
        s.lost = expected as i64 - received as i64;
        s
    }
}

impl std::fmt::Debug for RtpReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RtpReceiver")
            .field("remote", &self.filter.target())
            .field("stats", &self.stats)
            .finish()
    }
}
