//! Reception statistics of RFC 3550 appendix A: sequence tracking with probation (A.1),
//! expected and lost packets (A.3) and interarrival jitter (A.8).

use std::time::{Duration, Instant};

use crate::rtcp::ReportBlock;
use crate::types::{RtpTimestamp, SeqNo, Ssrc};

const MAX_DROPOUT: u16 = 3000;
const MAX_MISORDER: u16 = 100;
const MIN_SEQUENTIAL: u32 = 2;
const RTP_SEQ_MOD: u32 = 1 << 16;

/// Loss and jitter of the stream received from the far end, for the CDR.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReceiveStats {
    /// RTP packets accepted (right source and payload type).
    pub packets: u64,
    /// Payload octets in those packets.
    pub octets: u64,
    /// Packets expected from the sequence numbers seen (RFC 3550 A.3).
    pub expected: u64,
    /// Expected minus received; negative with duplicates.
    pub lost: i64,
    /// Interarrival jitter in timestamp units (RFC 3550 A.8).
    pub jitter_ticks: u32,
    /// The same jitter in time.
    pub jitter: Duration,
    /// Packets dropped because they came from an unexpected address.
    pub rejected_source: u64,
    /// Packets dropped because of an unexpected payload type.
    pub rejected_payload_type: u64,
    /// Datagrams that were not valid RTP.
    pub malformed: u64,
    /// SRTP packets from the stream's source that did not authenticate, or were replays.
    pub srtp_rejected: u64,
}

impl ReceiveStats {
    /// Lost packets as a fraction of expected ones (0 when nothing was expected).
    pub fn loss_fraction(&self) -> f64 {
        if self.expected == 0 {
            0.0
        } else {
            self.lost.max(0) as f64 / self.expected as f64
        }
    }
}

/// Per-source sequence and jitter state (RFC 3550 A.1 `source` struct).
#[derive(Clone, Debug)]
pub(crate) struct SourceState {
    pub(crate) ssrc: Ssrc,
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u32,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
    /// Jitter scaled by 16 as in A.8.
    jitter16: u32,
    last_transit: Option<i64>,
    clock_rate: u32,
    epoch: Instant,
}

impl SourceState {
    pub(crate) fn new(ssrc: Ssrc, seq: SeqNo, clock_rate: u32, epoch: Instant) -> Self {
        let mut s = SourceState {
            ssrc,
            max_seq: seq.0.wrapping_sub(1),
            cycles: 0,
            base_seq: 0,
            bad_seq: RTP_SEQ_MOD + 1,
            probation: MIN_SEQUENTIAL,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            jitter16: 0,
            last_transit: None,
            clock_rate,
            epoch,
        };
        s.init_seq(seq.0);
        s.max_seq = seq.0.wrapping_sub(1);
        s.probation = MIN_SEQUENTIAL;
        s
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = RTP_SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// RFC 3550 A.1 `update_seq`: whether the packet counts as valid.
    pub(crate) fn update_seq(&mut self, seq: SeqNo) -> bool {
        let seq = seq.0;
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return true;
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return false;
        } else if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles += RTP_SEQ_MOD;
            }
            self.max_seq = seq;
        } else if u32::from(udelta) <= RTP_SEQ_MOD - u32::from(MAX_MISORDER) {
            if u32::from(seq) == self.bad_seq {
                // Two sequential packets after a big jump: the sender restarted.
                self.init_seq(seq);
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (RTP_SEQ_MOD - 1);
                return false;
            }
        }
        // else: duplicate or reordered packet, counted as received.
        self.received += 1;
        true
    }

    /// RFC 3550 A.8, with arrival time converted to the RTP clock.
    pub(crate) fn update_jitter(&mut self, now: Instant, ts: RtpTimestamp) {
        let arrival_ticks = (now.saturating_duration_since(self.epoch).as_nanos()
            * u128::from(self.clock_rate)
            / 1_000_000_000) as i64;
        let transit = arrival_ticks.wrapping_sub(i64::from(ts.0));
        if let Some(last) = self.last_transit {
            // Differences are taken modulo 2^32 so timestamp wrap does not look like jitter.
            let d = (transit.wrapping_sub(last) as i32).unsigned_abs();
            let j = i64::from(self.jitter16) + i64::from(d) - ((i64::from(self.jitter16) + 8) >> 4);
            self.jitter16 = j.clamp(0, i64::from(u32::MAX)) as u32;
        }
        self.last_transit = Some(transit);
    }

    fn extended_max(&self) -> u32 {
        self.cycles + u32::from(self.max_seq)
    }

    pub(crate) fn received(&self) -> u64 {
        self.received
    }

    pub(crate) fn expected(&self) -> u64 {
        if self.received == 0 && self.probation > 0 {
            return 0;
        }
        u64::from(self.extended_max()) + 1 - u64::from(self.base_seq)
    }

    pub(crate) fn jitter_ticks(&self) -> u32 {
        self.jitter16 >> 4
    }

    pub(crate) fn jitter(&self) -> Duration {
        Duration::from_nanos(
            u64::from(self.jitter_ticks()) * 1_000_000_000 / u64::from(self.clock_rate),
        )
    }

    /// A report block for this source, advancing the "since last report" counters (A.3).
    pub(crate) fn report_block(&mut self) -> ReportBlock {
        let expected = self.expected();
        let lost = expected as i64 - self.received as i64;
        let expected_interval = expected - self.expected_prior;
        let received_interval = self.received - self.received_prior;
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = expected_interval as i64 - received_interval as i64;
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval as i64).min(255) as u8
        };
        ReportBlock {
            ssrc: self.ssrc,
            fraction_lost,
            cumulative_lost: lost.clamp(-0x80_0000, 0x7f_ffff) as i32,
            highest_seq: self.extended_max(),
            jitter: self.jitter_ticks(),
            last_sr: 0,
            delay_since_last_sr: 0,
        }
    }
}
