//! RFC 4733 key presses as the phone sends them, as a schedule (sans-IO), and the RTP
//! packets that carry them.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use voice_otp_dtmf::{Digit, TelephoneEvent};
use voice_otp_rtp::{PayloadType, RtpTimestamp, SeqNo, Ssrc};

/// Telephone-event clock rate for DTMF (RFC 4733 section 2.3.1).
const CLOCK: u32 = 8000;
/// How long each key is held.
const KEY_LENGTH: Duration = Duration::from_millis(160);
/// Quiet between two keys, long enough for any receiver to see two events.
const KEY_GAP: Duration = Duration::from_millis(120);
/// Interval of the update packets while a key is held.
const UPDATE: Duration = Duration::from_millis(50);
/// End packets are sent three times (RFC 4733 section 2.5.1.4) since they carry the
/// final duration and one may be lost.
const END_REPEATS: usize = 3;
/// Volume in -dBm0.
const VOLUME: u8 = 10;
/// RTP version 2, no padding, no extension, no CSRC (RFC 3550 section 5.1).
const RTP_V2: u8 = 0x80;

/// One telephone-event packet to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventPacket {
    /// Marker bit: set on the first packet of each event.
    pub(crate) marker: bool,
    /// RTP timestamp: the event's start, the same for all its packets.
    pub(crate) timestamp: RtpTimestamp,
    /// The 4-byte payload.
    pub(crate) payload: [u8; 4],
}

impl EventPacket {
    /// The RTP datagram of this event packet (RFC 3550 fixed header, then the payload).
    /// The header is written here rather than with a packet library: it is 12 fixed bytes,
    /// and the receiving side parses it with `voice_otp_rtp::parse_rtp`.
    pub(crate) fn to_rtp(self, payload_type: PayloadType, seq: SeqNo, ssrc: Ssrc) -> Vec<u8> {
        let mut wire = Vec::with_capacity(12 + self.payload.len());
        wire.push(RTP_V2);
        wire.push((u8::from(self.marker) << 7) | payload_type.get());
        wire.extend_from_slice(&seq.0.to_be_bytes());
        wire.extend_from_slice(&self.timestamp.0.to_be_bytes());
        wire.extend_from_slice(&ssrc.0.to_be_bytes());
        wire.extend_from_slice(&self.payload);
        wire
    }
}

/// Turns a string of keys into the packets of RFC 4733 events, each due at an instant.
#[derive(Debug)]
pub(crate) struct KeyPresser {
    /// Due time and packet, in sending order.
    queue: VecDeque<(Instant, EventPacket)>,
}

/// The keys of a press list, or the first character that is not a DTMF key.
pub(crate) fn parse_keys(press: &str) -> Result<Vec<Digit>, char> {
    press
        .chars()
        .map(|c| Digit::from_char(c).ok_or(c))
        .collect()
}

fn units(d: Duration) -> u32 {
    (d.as_millis() as u32) * (CLOCK / 1000)
}

fn event(digit: Digit, end: bool, duration: Duration) -> [u8; 4] {
    TelephoneEvent {
        code: digit.event_code(),
        end,
        volume: VOLUME,
        duration: units(duration) as u16,
    }
    .to_bytes()
}

impl KeyPresser {
    /// Presses `keys` one after another from `start`; `timestamp_at(instant)` gives the
    /// RTP timestamp of an instant.
    pub(crate) fn new(
        keys: &[Digit],
        start: Instant,
        timestamp_at: impl Fn(Instant) -> RtpTimestamp,
    ) -> Self {
        let mut queue = VecDeque::new();
        for (i, &digit) in keys.iter().enumerate() {
            let key_start = start + (KEY_LENGTH + KEY_GAP) * i as u32;
            let timestamp = timestamp_at(key_start);
            let mut offset = Duration::ZERO;
            while offset < KEY_LENGTH {
                // Duration so far, at least one 20 ms frame so the start packet is not
                // mistaken for an empty event.
                let payload = event(digit, false, offset.max(Duration::from_millis(20)));
                let marker = offset.is_zero();
                queue.push_back((
                    key_start + offset,
                    EventPacket {
                        marker,
                        timestamp,
                        payload,
                    },
                ));
                offset += UPDATE;
            }
            let end = EventPacket {
                marker: false,
                timestamp,
                payload: event(digit, true, KEY_LENGTH),
            };
            queue.extend(std::iter::repeat_n(
                (key_start + KEY_LENGTH, end),
                END_REPEATS,
            ));
        }
        KeyPresser { queue }
    }

    /// The next packet due at or before `now`.
    pub(crate) fn poll_packet(&mut self, now: Instant) -> Option<EventPacket> {
        match self.queue.front() {
            Some(&(at, packet)) if at <= now => {
                self.queue.pop_front();
                Some(packet)
            }
            _ => None,
        }
    }

    /// When the next packet is due; `None` once every key has been sent.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.queue.front().map(|&(at, _)| at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use voice_otp_dtmf::Rfc4733Tracker;
    use voice_otp_rtp::parse_rtp;

    #[test]
    fn two_keys_are_sent_as_two_events_the_tracker_accepts() {
        let t0 = Instant::now();
        let ts = |at: Instant| RtpTimestamp(5000 + units(at - t0));
        let mut presser = KeyPresser::new(&[Digit::D1, Digit::Hash], t0, ts);
        let mut tracker = Rfc4733Tracker::new(t0);
        let mut sent = Vec::new();
        let mut seq = SeqNo(0);
        while let Some(at) = presser.poll_timeout() {
            while let Some(p) = presser.poll_packet(at) {
                let wire = p.to_rtp(PayloadType::new(101).unwrap(), seq, Ssrc(0x42));
                let view = parse_rtp(&wire).unwrap();
                assert_eq!(view.payload_type.get(), 101);
                tracker
                    .handle_packet(
                        at,
                        view.ssrc.0,
                        view.seq.0,
                        view.timestamp.0,
                        view.marker,
                        &wire[view.payload],
                    )
                    .unwrap();
                seq = seq.next();
                sent.push((at - t0, p));
            }
        }
        // 4 updates + 3 ends per key.
        assert_eq!(sent.len(), 14);
        assert!(sent[0].1.marker && sent[7].1.marker);
        assert_eq!(sent[7].0, Duration::from_millis(280));
        assert_eq!(sent[13].0, Duration::from_millis(440));
        let mut digits = Vec::new();
        while let Some(e) = tracker.poll_event() {
            digits.push(e.digit);
        }
        assert_eq!(digits, vec![Digit::D1, Digit::Hash]);
    }

    #[test]
    fn press_lists_are_dtmf_keys_only() {
        assert_eq!(
            parse_keys("09*#d"),
            Ok(vec![
                Digit::D0,
                Digit::D9,
                Digit::Star,
                Digit::Hash,
                Digit::D
            ])
        );
        assert_eq!(parse_keys("1x"), Err('x'));
    }
}
