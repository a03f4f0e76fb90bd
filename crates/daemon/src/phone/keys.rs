//! RFC 4733 key presses as the phone sends them, as a schedule (sans-IO).

use std::time::{Duration, Instant};

use voice_otp_dtmf::TelephoneEvent;

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

/// One telephone-event packet to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventPacket {
    /// Marker bit: set on the first packet of each event.
    pub(crate) marker: bool,
    /// RTP timestamp: the event's start, the same for all its packets.
    pub(crate) timestamp: u32,
    /// The 4-byte payload.
    pub(crate) payload: [u8; 4],
}

/// Turns a string of keys into the packets of RFC 4733 events, each due at an instant.
#[derive(Debug)]
pub(crate) struct KeyPresser {
    /// Due time and packet, in sending order.
    queue: std::collections::VecDeque<(Instant, EventPacket)>,
}

/// The RFC 4733 event code of a DTMF key, `None` for anything else.
pub(crate) fn event_code(key: char) -> Option<u8> {
    match key {
        '0'..='9' => Some(key as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(12 + (key as u8 - b'A')),
        'a'..='d' => Some(12 + (key as u8 - b'a')),
        _ => None,
    }
}

fn units(d: Duration) -> u32 {
    (d.as_millis() as u32) * (CLOCK / 1000)
}

impl KeyPresser {
    /// Presses `keys` (already checked with [`event_code`]) one after another from
    /// `start`; `timestamp_at(instant)` gives the RTP timestamp of an instant.
    pub(crate) fn new(keys: &[u8], start: Instant, timestamp_at: impl Fn(Instant) -> u32) -> Self {
        let mut queue = std::collections::VecDeque::new();
        for (i, &code) in keys.iter().enumerate() {
            let key_start = start + (KEY_LENGTH + KEY_GAP) * i as u32;
            let timestamp = timestamp_at(key_start);
            let mut offset = Duration::ZERO;
            while offset < KEY_LENGTH {
                // Duration so far, at least one 20 ms frame so the start packet is not
                // mistaken for an empty event.
                let duration = units(offset.max(Duration::from_millis(20)));
                queue.push_back((
                    key_start + offset,
                    EventPacket {
                        marker: offset.is_zero(),
                        timestamp,
                        payload: TelephoneEvent {
                            code,
                            end: false,
                            volume: VOLUME,
                            duration: duration as u16,
                        }
                        .to_bytes(),
                    },
                ));
                offset += UPDATE;
            }
            let end = TelephoneEvent {
                code,
                end: true,
                volume: VOLUME,
                duration: units(KEY_LENGTH) as u16,
            }
            .to_bytes();
            for _ in 0..END_REPEATS {
                queue.push_back((
                    key_start + KEY_LENGTH,
                    EventPacket {
                        marker: false,
                        timestamp,
                        payload: end,
                    },
                ));
            }
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

    /// When the next packet is due; `None` once every key has been sent. (The phone
    /// polls on its 10 ms tick; tests step straight to each deadline.)
    #[cfg(test)]
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.queue.front().map(|&(at, _)| at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use voice_otp_dtmf::{Digit, Rfc4733Tracker};

    #[test]
    fn two_keys_are_sent_as_two_events_the_tracker_accepts() {
        let t0 = Instant::now();
        let ts = |at: Instant| 5000 + units(at - t0);
        let mut presser = KeyPresser::new(&[1, 11], t0, ts);
        let mut tracker = Rfc4733Tracker::new(t0);
        let mut sent = Vec::new();
        let mut seq = 0u16;
        while let Some(at) = presser.poll_timeout() {
            while let Some(p) = presser.poll_packet(at) {
                tracker
                    .handle_packet(at, 0x42, seq, p.timestamp, p.marker, &p.payload)
                    .unwrap();
                seq += 1;
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
    fn keys_map_to_rfc4733_codes() {
        assert_eq!(event_code('0'), Some(0));
        assert_eq!(event_code('9'), Some(9));
        assert_eq!(event_code('*'), Some(10));
        assert_eq!(event_code('#'), Some(11));
        assert_eq!(event_code('d'), Some(15));
        assert_eq!(event_code('x'), None);
    }
}
