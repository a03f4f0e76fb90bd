//! The telephone-event payload parser: real bytes round-trip, garbage is an
//! error, events that are not DTMF keys (flash, tones) are ignored.

use crate::support::drain;
use std::time::Instant;
use voice_otp_dtmf::{Digit, DtmfError, Rfc4733Tracker, TelephoneEvent};

#[test]
fn real_payload_round_trips() {
    // From dtmf_2833_1.pcap: key 1, end, volume 10, 2240 units.
    let bytes = [0x01, 0x8a, 0x08, 0xc0];
    let ev = TelephoneEvent::parse(&bytes).unwrap();
    assert_eq!(
        ev,
        TelephoneEvent {
            code: 1,
            end: true,
            volume: 10,
            duration: 2240
        }
    );
    assert_eq!(ev.to_bytes(), bytes);
    // The reserved bit is ignored.
    assert_eq!(
        TelephoneEvent::parse(&[0x01, 0xca, 0x08, 0xc0]).unwrap(),
        ev
    );
}

#[test]
fn bad_lengths_are_errors() {
    let t0 = Instant::now();
    let mut t = Rfc4733Tracker::new(t0);
    for len in 0..4 {
        assert_eq!(
            t.handle_packet(t0, 1, 1, 1, true, &vec![1; len]),
            Err(DtmfError::PayloadTooShort { len })
        );
    }
    assert_eq!(
        t.handle_packet(t0, 1, 1, 1, true, &[1; 6]),
        Err(DtmfError::PayloadLength { len: 6 })
    );
    assert!(drain(&mut t).is_empty());
}

#[test]
fn non_dtmf_events_are_ignored() {
    let t0 = Instant::now();
    let mut t = Rfc4733Tracker::new(t0);
    for code in [16u8, 32, 100, 255] {
        t.handle_packet(t0, 1, 1, u32::from(code), true, &[code, 0x8a, 0, 160])
            .unwrap();
    }
    assert!(drain(&mut t).is_empty());
    for d in Digit::ALL {
        assert_eq!(Digit::from_event_code(d.event_code()), Some(d));
        assert_eq!(Digit::from_char(d.as_char()), Some(d));
    }
}
