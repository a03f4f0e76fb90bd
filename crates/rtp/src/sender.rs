//! The sans-IO paced RTP sender of one stream.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rtp::header::Header;
use webrtc_util::marshal::Marshal;

use crate::rtcp::{NtpTime, RtcpWriter, SenderInfo};
use crate::source::FrameSource;
use crate::types::{Codec, PTIME, PayloadType, RtpTimestamp, SeqNo, Ssrc};

/// Longest lateness the sender smooths out by sending closer together; beyond it the stream
/// jumps forward (timestamps follow wall time, sequence numbers stay continuous).
pub const MAX_CATCH_UP: Duration = Duration::from_millis(200);
/// Shortest gap between two packets while catching up after a late wake-up.
pub const MIN_CATCH_UP_GAP: Duration = Duration::from_millis(10);
/// Default interval between RTCP sender reports.
pub const RTCP_INTERVAL: Duration = Duration::from_secs(5);

/// Room for an RTP header and the largest payload we send (an Opus frame fits comfortably).
const RTP_BUF: usize = 1500;
const RTCP_BUF: usize = 128;

/// What a sender is set up with.
#[derive(Clone, Debug)]
pub struct SenderConfig {
    /// The codec of the frames it will be given (sets the RTP clock and the silence frame).
    pub codec: Codec,
    /// The negotiated payload type of that codec.
    pub payload_type: PayloadType,
    /// Seed for the random SSRC, first sequence number and first timestamp.
    pub seed: u64,
    /// Wall-clock time corresponding to the `now` the sender is created at (for SR NTP times).
    pub wall_clock: SystemTime,
    /// Mean interval between sender reports; each is randomised to 0.5..1.5 of it.
    pub rtcp_interval: Duration,
}

impl SenderConfig {
    /// A config with the default RTCP interval and the current wall clock.
    pub fn new(codec: Codec, payload_type: PayloadType, seed: u64) -> Self {
        SenderConfig {
            codec,
            payload_type,
            seed,
            wall_clock: SystemTime::now(),
            rtcp_interval: RTCP_INTERVAL,
        }
    }
}

/// Something the sender reports to its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SenderEvent {
    /// The source given to [`RtpSender::play`] is exhausted; silence follows.
    PlaybackFinished,
}

/// Which socket a [`Transmit`] goes out on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransmitKind {
    /// The RTP (even) port.
    Rtp,
    /// The RTCP (odd) port.
    Rtcp,
}

/// One datagram to send, borrowed from the sender's buffer until the next call on it.
#[derive(Debug)]
pub struct Transmit<'a> {
    /// RTP or RTCP.
    pub kind: TransmitKind,
    /// The datagram.
    pub data: &'a [u8],
}

/// Counters of what a sender put on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SenderStats {
    /// RTP packets sent.
    pub packets: u64,
    /// RTP payload octets sent.
    pub octets: u64,
    /// Packets carrying audio from a played source (the rest are silence).
    pub audio_packets: u64,
    /// Late wake-ups that exceeded [`MAX_CATCH_UP`] and made the stream jump.
    pub jumps: u64,
    /// RTCP packets sent (SRs and the final BYE).
    pub rtcp_packets: u64,
}

/// The paced RTP sender of one stream (sans-IO).
///
/// Run loop: call [`handle_timeout`](Self::handle_timeout) when
/// [`poll_timeout`](Self::poll_timeout) is reached, then drain
/// [`poll_transmit`](Self::poll_transmit) and [`poll_event`](Self::poll_event).
/// Packets follow a fixed 20 ms grid from the first deadline, so timing error never
/// accumulates; between prompts the sender fills with silence so the stream never stalls,
/// and sequence numbers and timestamps run on across prompts, replays and silence.
pub struct RtpSender {
    codec: Codec,
    ssrc: Ssrc,
    seq: SeqNo,
    /// Timestamp of the next packet.
    ts: RtpTimestamp,
    start: Instant,
    wall_clock: SystemTime,
    /// Ideal send time of the next packet on the 20 ms grid.
    grid: Instant,
    /// When the next packet actually goes (later than `grid` only while catching up).
    next_send: Instant,
    source: Option<Box<dyn FrameSource>>,
    marker: bool,
    silence: Bytes,
    header: Header,
    rtp_buf: Box<[u8; RTP_BUF]>,
    rtp_len: Option<usize>,
    rtcp_buf: [u8; RTCP_BUF],
    rtcp_len: Option<usize>,
    next_rtcp: Instant,
    rtcp_interval: Duration,
    rng: StdRng,
    finished: u32,
    closed: bool,
    /// Timestamp and grid time of the last packet sent, for SR timestamps.
    last_sent: Option<(RtpTimestamp, Instant)>,
    stats: SenderStats,
    cname: [u8; 18],
}

impl RtpSender {
    /// A sender whose first packet is due at `now`.
    pub fn new(config: SenderConfig, now: Instant) -> Self {
        let mut rng = StdRng::seed_from_u64(config.seed);
        let ssrc = Ssrc(rng.random());
        let seq = SeqNo(rng.random());
        let ts = RtpTimestamp(rng.random());
        let header = Header {
            version: 2,
            payload_type: config.payload_type.get(),
            ssrc: ssrc.0,
            ..Header::default()
        };
        let mut cname = *b"voice-otp-00000000";
        let hex = b"0123456789abcdef";
        for i in 0..8 {
            cname[10 + i] = hex[((ssrc.0 >> (28 - 4 * i)) & 0xf) as usize];
        }
        let mut sender = RtpSender {
            codec: config.codec,
            ssrc,
            seq,
            ts,
            start: now,
            wall_clock: config.wall_clock,
            grid: now,
            next_send: now,
            source: None,
            marker: true,
            silence: config.codec.silence_frame(),
            header,
            rtp_buf: Box::new([0; RTP_BUF]),
            rtp_len: None,
            rtcp_buf: [0; RTCP_BUF],
            rtcp_len: None,
            next_rtcp: now,
            rtcp_interval: config.rtcp_interval,
            rng,
            finished: 0,
            closed: false,
            last_sent: None,
            stats: SenderStats::default(),
            cname,
        };
        sender.next_rtcp = now + sender.rtcp_delay();
        sender
    }

    fn rtcp_delay(&mut self) -> Duration {
        // RFC 3550 6.3.1: randomise so thousands of streams started together do not report
        // in lockstep.
        self.rtcp_interval.mul_f64(self.rng.random_range(0.5..1.5))
    }

    /// Our SSRC.
    pub fn ssrc(&self) -> Ssrc {
        self.ssrc
    }

    /// The sequence number the next packet will carry.
    pub fn next_seq(&self) -> SeqNo {
        self.seq
    }

    /// The timestamp the next packet will carry.
    pub fn next_timestamp(&self) -> RtpTimestamp {
        self.ts
    }

    /// The codec being sent.
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// What has been sent so far.
    pub fn stats(&self) -> SenderStats {
        self.stats
    }

    /// Whether a source is being played (as opposed to silence).
    pub fn is_playing(&self) -> bool {
        self.source.is_some()
    }

    /// Starts playing `source` from the next packet on, replacing any current one (which
    /// then reports no `PlaybackFinished`). Its first packet carries the marker bit.
    pub fn play(&mut self, source: Box<dyn FrameSource>) {
        self.source = Some(source);
        self.marker = true;
    }

    /// Stops the current source; silence follows from the next packet.
    pub fn stop_playback(&mut self) {
        self.source = None;
    }

    /// Ends the stream: queues an SR + BYE compound and stops all deadlines.
    pub fn close(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.source = None;
        let info = self.sender_info(now);
        let mut w = RtcpWriter::new(&mut self.rtcp_buf);
        w.sender_report(self.ssrc, &info);
        w.sdes_cname(self.ssrc, &self.cname);
        w.bye(self.ssrc);
        self.rtcp_len = Some(w.finish());
        self.stats.rtcp_packets += 1;
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The next instant [`handle_timeout`](Self::handle_timeout) must be called, or `None`
    /// once closed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        (!self.closed).then(|| self.next_send.min(self.next_rtcp))
    }

    /// Advances time to `now`: emits at most one RTP packet and, when due, one SR.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        if now >= self.next_send {
            self.send_packet(now);
        }
        if now >= self.next_rtcp {
            let info = self.sender_info(now);
            let mut w = RtcpWriter::new(&mut self.rtcp_buf);
            w.sender_report(self.ssrc, &info);
            w.sdes_cname(self.ssrc, &self.cname);
            self.rtcp_len = Some(w.finish());
            self.stats.rtcp_packets += 1;
            self.next_rtcp = now + self.rtcp_delay();
        }
    }

    fn send_packet(&mut self, now: Instant) {
        let late = now.saturating_duration_since(self.grid);
        if late > MAX_CATCH_UP {
            // Too far behind to smooth out: skip the missed slots in time (the receiver sees
            // a timestamp jump, as after silence suppression) and start a new talk spurt.
            let skipped = (late.as_micros() / PTIME.as_micros()) as u32;
            self.grid += PTIME * skipped;
            self.ts = self
                .ts
                .wrapping_add(skipped.wrapping_mul(self.codec.ticks_per_packet()));
            self.marker = true;
            self.stats.jumps += 1;
        }
        self.header.marker = self.marker;
        self.header.sequence_number = self.seq.0;
        self.header.timestamp = self.ts.0;
        // The payload is copied straight from the source's (shared) buffer behind the header:
        // one copy, as `Packet::marshal_to` would make, without a `Bytes` clone per packet.
        // The buffer holds the header plus a 1.4 kB payload; a larger frame from a broken
        // source is dropped rather than sent truncated.
        let mut len = None;
        let mut audio = false;
        let mut header_len = 0;
        if let Ok(n) = self.header.marshal_to(&mut self.rtp_buf[..]) {
            header_len = n;
            let body = &mut self.rtp_buf[header_len..];
            let mut put = |frame: &[u8]| {
                if let Some(dst) = body.get_mut(..frame.len()) {
                    dst.copy_from_slice(frame);
                    len = Some(frame.len());
                }
            };
            audio = match self.source.as_mut() {
                Some(source) => source.emit_next_frame(&mut put),
                None => false,
            };
            if !audio {
                if self.source.take().is_some() {
                    self.finished += 1;
                }
                put(&self.silence);
            }
        }
        match len {
            Some(n) => {
                self.rtp_len = Some(header_len + n);
                self.stats.packets += 1;
                self.stats.octets += n as u64;
                if audio {
                    self.stats.audio_packets += 1;
                }
            }
            None => self.rtp_len = None,
        }
        self.marker = false;
        self.last_sent = Some((self.ts, self.grid));
        self.seq = self.seq.next();
        self.ts = self.ts.wrapping_add(self.codec.ticks_per_packet());
        self.grid += PTIME;
        self.next_send = self.grid.max(now + MIN_CATCH_UP_GAP);
    }

    fn sender_info(&self, now: Instant) -> SenderInfo {
        let wall = self.wall_clock + now.saturating_duration_since(self.start);
        let rtp_timestamp = match self.last_sent {
            Some((ts, at)) => {
                let since = now.saturating_duration_since(at);
                let ticks =
                    since.as_micros() as u64 * u64::from(self.codec.clock_rate()) / 1_000_000;
                ts.wrapping_add(ticks as u32)
            }
            None => self.ts,
        };
        SenderInfo {
            ntp: NtpTime::from_system_time(wall),
            rtp_timestamp,
            packet_count: self.stats.packets as u32,
            octet_count: self.stats.octets as u32,
        }
    }

    /// The next datagram to send, RTP first; call until `None` after each `handle_timeout`.
    pub fn poll_transmit(&mut self) -> Option<Transmit<'_>> {
        if let Some(n) = self.rtp_len.take() {
            return Some(Transmit {
                kind: TransmitKind::Rtp,
                data: &self.rtp_buf[..n],
            });
        }
        if let Some(n) = self.rtcp_len.take() {
            return Some(Transmit {
                kind: TransmitKind::Rtcp,
                data: &self.rtcp_buf[..n],
            });
        }
        None
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<SenderEvent> {
        if self.finished > 0 {
            self.finished -= 1;
            return Some(SenderEvent::PlaybackFinished);
        }
        None
    }
}

impl std::fmt::Debug for RtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RtpSender")
            .field("ssrc", &self.ssrc)
            .field("seq", &self.seq)
            .field("ts", &self.ts)
            .field("playing", &self.source.is_some())
            .field("closed", &self.closed)
            .finish()
    }
}
