//! The SIPp RFC 2833 captures (`/usr/share/sip-tester/dtmf_2833_*.pcap`, from
//! the sip-tester package): each holds one key press of 280 ms, sent as 7
//! updates and an end packet repeated 3 times. Each must give exactly one
//! event with the right key, start and duration.

use crate::support::{drain, pcap};
use std::time::{Duration, Instant};
use voice_otp_dtmf::{Digit, DtmfSource, Rfc4733Tracker};

#[test]
fn every_sipp_capture_gives_one_event() {
    let names = [
        ("0", Digit::D0),
        ("1", Digit::D1),
        ("2", Digit::D2),
        ("3", Digit::D3),
        ("4", Digit::D4),
        ("5", Digit::D5),
        ("6", Digit::D6),
        ("7", Digit::D7),
        ("8", Digit::D8),
        ("9", Digit::D9),
        ("pound", Digit::Hash),
        ("star", Digit::Star),
    ];
    for (name, digit) in names {
        let path = format!("/usr/share/sip-tester/dtmf_2833_{name}.pcap");
        let bytes =
            std::fs::read(&path).expect("sip-tester is installed (scripts/install-deps.sh)");
        let packets = pcap::read_rtp(&bytes);
        assert_eq!(packets.len(), 10, "{path}");
        let ends = packets
            .iter()
            .filter(|p| p.payload.get(1).is_some_and(|b| b & 0x80 != 0))
            .count();
        assert_eq!(ends, 3, "{path}: the end packet is sent three times");
        assert!(packets.iter().all(|p| p.payload_type == 101), "{path}");
        let epoch = Instant::now();
        let mut tracker = Rfc4733Tracker::new(epoch);
        let mut events = Vec::new();
        for p in &packets {
            tracker
                .handle_packet(
                    epoch + p.at,
                    p.ssrc,
                    p.seq,
                    p.timestamp,
                    p.marker,
                    &p.payload,
                )
                .unwrap();
            events.extend(drain(&mut tracker));
        }
        // Nothing more once time passes either.
        tracker.handle_timeout(epoch + Duration::from_secs(5));
        events.extend(drain(&mut tracker));
        assert_eq!(events.len(), 1, "{path}: {events:?}");
        let ev = events[0];
        assert_eq!(ev.digit, digit, "{path}");
        assert_eq!(ev.source, DtmfSource::Rfc4733);
        assert_eq!(ev.duration, Duration::from_millis(280), "{path}");
        assert_eq!(ev.start, Duration::ZERO, "{path}");
        assert_eq!(
            tracker.poll_timeout(),
            None,
            "{path}: no timer once the event ended"
        );
    }
}
