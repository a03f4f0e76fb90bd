//! One event per (SSRC, timestamp): the end packet is sent three times (and
//! may be duplicated by the network), yet the press counts once; a late
//! update after the end does not revive it; a new timestamp is a new press.

use crate::support::{drain, te};
use std::time::{Duration, Instant};
use voice_otp_dtmf::{Digit, Rfc4733Tracker};

const SSRC: u32 = 0x1234_5678;

#[test]
fn triple_end_counts_once() {
    let t0 = Instant::now();
    let ms = |m| t0 + Duration::from_millis(m);
    let mut t = Rfc4733Tracker::new(t0);
    t.handle_packet(ms(0), SSRC, 1, 8000, true, &te(5, false, 10, 160))
        .unwrap();
    t.handle_packet(ms(20), SSRC, 2, 8000, false, &te(5, false, 10, 320))
        .unwrap();
    assert!(drain(&mut t).is_empty());
    for (i, at) in [40, 41, 42, 60, 400].into_iter().enumerate() {
        t.handle_packet(
            ms(at),
            SSRC,
            3 + i as u16,
            8000,
            false,
            &te(5, true, 10, 480),
        )
        .unwrap();
    }
    // A late, reordered update of the same press.
    t.handle_packet(ms(401), SSRC, 2, 8000, false, &te(5, false, 10, 320))
        .unwrap();
    t.handle_timeout(ms(2000));
    let events = drain(&mut t);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].digit, Digit::D5);
    assert_eq!(events[0].duration, Duration::from_millis(60));
}

#[test]
fn same_key_with_a_new_timestamp_is_a_new_press() {
    let t0 = Instant::now();
    let ms = |m| t0 + Duration::from_millis(m);
    let mut t = Rfc4733Tracker::new(t0);
    for (k, ts) in [(0u64, 1000u32), (300, 3400)] {
        t.handle_packet(ms(k), SSRC, 0, ts, true, &te(1, false, 10, 0))
            .unwrap();
        for r in 0..3 {
            t.handle_packet(ms(k + 100 + r), SSRC, 0, ts, false, &te(1, true, 10, 800))
                .unwrap();
        }
    }
    let events = drain(&mut t);
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[1].start, Duration::from_millis(300));
}

#[test]
fn another_ssrc_is_another_stream_of_presses() {
    let t0 = Instant::now();
    let mut t = Rfc4733Tracker::new(t0);
    t.handle_packet(t0, 1, 0, 500, true, &te(2, true, 10, 400))
        .unwrap();
    t.handle_packet(t0, 2, 0, 500, true, &te(2, true, 10, 400))
        .unwrap();
    t.handle_packet(t0, 1, 1, 500, false, &te(2, true, 10, 400))
        .unwrap();
    assert_eq!(drain(&mut t).len(), 2);
}
