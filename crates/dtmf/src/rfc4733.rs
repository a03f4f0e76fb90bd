//! RFC 4733 (formerly RFC 2833) telephone-event tracking, sans-IO.
//!
//! A key press is one event, identified by (SSRC, RTP timestamp). The sender
//! repeats the event every ~50 ms with a growing duration and sends the end
//! packet (E bit) three times. The tracker turns that stream into exactly
//! one [`DtmfEvent`] per press:
//! - the event ends on the first end packet, on a packet of a newer event,
//!   on a change of SSRC, or [`END_TIMEOUT`] after the last packet (a lost end);
//! - retransmitted end packets and late packets of a finished event are
//!   dropped (a short history of finished events is kept);
//! - the marker bit is not needed (many senders lose or omit it);
//! - packets may arrive out of order: the duration only ever grows, compared
//!   with 16-bit serial arithmetic, so a wrapped duration still grows;
//! - a press longer than 0xFFFF timestamp units is sent as segments with new
//!   timestamps (RFC 4733 section 2.5.1.3); a segment that continues the
//!   current press extends it instead of counting as a new press;
//! - volume above 55 (quieter than -55 dBm0) is not a key press.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::error::DtmfError;
use crate::event::{Digit, DtmfEvent, DtmfSource};

/// How long after the last packet an event with a lost end packet is closed.
pub const END_TIMEOUT: Duration = Duration::from_millis(200);

/// Loudest volume field (as -dBm0) still counted as a key press.
const MAX_VOLUME: u8 = 55;
/// Finished events remembered to drop their retransmitted end packets.
const HISTORY: usize = 8;
/// A continuation segment starts this close to where the last one ended.
const SEGMENT_SLACK: u32 = 1600;

/// One 4-byte RFC 4733 event block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code (0-15 are the DTMF keys).
    pub code: u8,
    /// The E (end) bit.
    pub end: bool,
    /// Volume as a positive number of -dBm0 (0-63).
    pub volume: u8,
    /// Duration so far, in RTP timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses an RTP telephone-event payload. The payload must be one or more
    /// whole 4-byte blocks; the first block is returned (further blocks are
    /// only sent by RFC 2198 redundancy, which arrives under another payload type).
    pub fn parse(payload: &[u8]) -> Result<TelephoneEvent, DtmfError> {
        if payload.len() < 4 {
            return Err(DtmfError::PayloadTooShort { len: payload.len() });
        }
        if !payload.len().is_multiple_of(4) {
            return Err(DtmfError::PayloadLength { len: payload.len() });
        }
        Ok(TelephoneEvent {
            code: payload[0],
            end: payload[1] & 0x80 != 0,
            volume: payload[1] & 0x3f,
            duration: u16::from_be_bytes([payload[2], payload[3]]),
        })
    }

    /// The 4-byte wire form (the R bit is sent as zero).
    pub fn to_bytes(self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.code,
            (u8::from(self.end) << 7) | (self.volume & 0x3f),
            d[0],
            d[1],
        ]
    }
}

#[derive(Debug, Clone, Copy)]
struct Current {
    ssrc: u32,
    /// Timestamp of the first segment: the event's identity.
    timestamp: u32,
    /// Timestamp of the segment being received now.
    segment_ts: u32,
    /// Duration units of earlier segments.
    base: u64,
    /// Duration of the current segment, extended past 16 bits.
    duration: u64,
    /// Last 16-bit duration seen in this segment.
    last16: u16,
    digit: Digit,
    start: Duration,
    last_arrival: Instant,
}

/// Sans-IO tracker of the RFC 4733 telephone-events of one RTP stream.
///
/// Run loop: for each telephone-event RTP packet call
/// [`handle_packet`](Self::handle_packet); when [`poll_timeout`](Self::poll_timeout)
/// passes call [`handle_timeout`](Self::handle_timeout); after either, drain
/// [`poll_event`](Self::poll_event).
///
/// ```
/// use std::time::{Duration, Instant};
/// use voice_otp_dtmf::{Digit, Rfc4733Tracker};
/// let t0 = Instant::now();
/// let mut tracker = Rfc4733Tracker::new(t0);
/// // Key 1, end bit, volume 10, 800 units (100 ms).
/// tracker.handle_packet(t0, 0x1234, 7, 16000, true, &[1, 0x8a, 0x03, 0x20]).unwrap();
/// let ev = tracker.poll_event().unwrap();
/// assert_eq!(ev.digit, Digit::D1);
/// assert_eq!(ev.duration, Duration::from_millis(100));
/// ```
#[derive(Debug)]
pub struct Rfc4733Tracker {
    epoch: Instant,
    clock_rate: u32,
    current: Option<Current>,
    /// (SSRC, timestamp) of recently finished events and segments.
    finished: [Option<(u32, u32)>; HISTORY],
    next_finished: usize,
    events: VecDeque<DtmfEvent>,
}

impl Rfc4733Tracker {
    /// A tracker for `telephone-event/8000`; event start times count from `epoch`.
    pub fn new(epoch: Instant) -> Self {
        Self::with_clock_rate(epoch, 8000)
    }

    /// A tracker for a telephone-event clock rate other than 8000 Hz.
    pub fn with_clock_rate(epoch: Instant, clock_rate: u32) -> Self {
        Rfc4733Tracker {
            epoch,
            clock_rate: clock_rate.max(1),
            current: None,
            finished: [None; HISTORY],
            next_finished: 0,
            events: VecDeque::with_capacity(4),
        }
    }

    /// Feeds one telephone-event RTP packet: header fields and payload.
    ///
    /// `seq` and `marker` are accepted for completeness but not relied on:
    /// ordering comes from the durations, and the marker bit is often lost.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        ssrc: u32,
        seq: u16,
        timestamp: u32,
        marker: bool,
        payload: &[u8],
    ) -> Result<(), DtmfError> {
        let _ = (seq, marker);
        let ev = TelephoneEvent::parse(payload)?;
        let Some(digit) = Digit::from_event_code(ev.code) else {
            return Ok(());
        };
        if ev.volume > MAX_VOLUME {
            return Ok(());
        }
        if self.is_finished(ssrc, timestamp) {
            return Ok(());
        }
        if let Some(cur) = self.current {
            if cur.ssrc == ssrc && cur.segment_ts == timestamp {
                self.update(now, ev);
                return Ok(());
            }
            if cur.ssrc == ssrc && cur.digit == digit && self.continues(&cur, timestamp) {
                self.finished_push(ssrc, cur.segment_ts);
                let c = self.current.as_mut().expect("checked above");
                c.base += u64::from(timestamp.wrapping_sub(c.segment_ts));
                c.segment_ts = timestamp;
                c.duration = 0;
                c.last16 = 0;
                self.update(now, ev);
                return Ok(());
            }
            if cur.ssrc == ssrc && (timestamp.wrapping_sub(cur.timestamp) as i32) < 0 {
                // A straggler from before the current event: stale.
                return Ok(());
            }
            self.finish();
        }
        let units = u64::from(ev.duration);
        let start = now
            .saturating_duration_since(self.epoch)
            .saturating_sub(self.units(units));
        self.current = Some(Current {
            ssrc,
            timestamp,
            segment_ts: timestamp,
            base: 0,
            duration: units,
            last16: ev.duration,
            digit,
            start,
            last_arrival: now,
        });
        if ev.end {
            self.finish();
        }
        Ok(())
    }

    /// Closes an event whose end packets were all lost, once its time is up.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(cur) = self.current
            && now >= cur.last_arrival + END_TIMEOUT
        {
            self.finish();
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) next has work to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.current.map(|c| c.last_arrival + END_TIMEOUT)
    }

    /// The key held down right now (an event that has not ended yet).
    pub fn key_down(&self) -> Option<Digit> {
        self.current.map(|c| c.digit)
    }

    /// The next finished key press.
    pub fn poll_event(&mut self) -> Option<DtmfEvent> {
        self.events.pop_front()
    }

    fn update(&mut self, now: Instant, ev: TelephoneEvent) {
        let Some(c) = self.current.as_mut() else {
            return;
        };
        c.last_arrival = now;
        // 16-bit serial arithmetic: a smaller value that is "ahead" is a wrap.
        let delta = ev.duration.wrapping_sub(c.last16) as i16;
        if delta > 0 {
            c.duration += u64::from(delta as u16);
            c.last16 = ev.duration;
        }
        if ev.end {
            self.finish();
        }
    }

    fn continues(&self, cur: &Current, timestamp: u32) -> bool {
        let gap = timestamp.wrapping_sub(cur.segment_ts);
        cur.duration >= 0xF000
            && u64::from(gap) + u64::from(SEGMENT_SLACK) >= cur.duration
            && u64::from(gap) <= cur.duration + u64::from(SEGMENT_SLACK)
    }

    fn finish(&mut self) {
        let Some(c) = self.current.take() else {
            return;
        };
        self.finished_push(c.ssrc, c.timestamp);
        if c.segment_ts != c.timestamp {
            self.finished_push(c.ssrc, c.segment_ts);
        }
        self.events.push_back(DtmfEvent {
            digit: c.digit,
            start: c.start,
            duration: self.units(c.base + c.duration),
            source: DtmfSource::Rfc4733,
        });
    }

    fn units(&self, units: u64) -> Duration {
        Duration::from_nanos(units * 1_000_000_000 / u64::from(self.clock_rate))
    }

    fn is_finished(&self, ssrc: u32, timestamp: u32) -> bool {
        self.finished.contains(&Some((ssrc, timestamp)))
    }

    fn finished_push(&mut self, ssrc: u32, timestamp: u32) {
        if self.is_finished(ssrc, timestamp) {
            return;
        }
        self.finished[self.next_finished] = Some((ssrc, timestamp));
        self.next_finished = (self.next_finished + 1) % HISTORY;
    }
}
