//! Long presses: the 16-bit duration covers 8.19 s at 8 kHz. RFC 4733
//! section 2.5.1.3 has the sender start a new segment (new timestamp, no
//! marker) when it would overflow; some senders just let the field wrap.
//! Either way one long press is one event with its full duration.

use crate::support::{drain, te};
use std::time::{Duration, Instant};
use voice_otp_dtmf::{Digit, Rfc4733Tracker};

/// Sends updates every 50 ms (400 units) from `from` to `to` units.
fn updates(
    t: &mut Rfc4733Tracker,
    t0: Instant,
    ts: u32,
    first_ms: u64,
    from: u32,
    to: u32,
    wrap: bool,
) {
    let mut d = from;
    let mut at = first_ms;
    while d <= to {
        let field = if wrap {
            (d & 0xffff) as u16
        } else {
            d.min(0xffff) as u16
        };
        t.handle_packet(
            t0 + Duration::from_millis(at),
            3,
            0,
            ts,
            false,
            &te(0, false, 10, field),
        )
        .unwrap();
        d += 400;
        at += 50;
    }
}

#[test]
fn segmented_long_press_is_one_event() {
    let t0 = Instant::now();
    let mut t = Rfc4733Tracker::new(t0);
    let ts = 0xffff_0000u32; // the RTP timestamp wraps too
    // Segment 1: 0 .. 0xFFFF units (the last update carries 0xFFFF).
    updates(&mut t, t0, ts, 0, 0, 65_200, false);
    t.handle_packet(
        t0 + Duration::from_millis(8190),
        3,
        0,
        ts,
        false,
        &te(0, false, 10, 0xffff),
    )
    .unwrap();
    // Segment 2 starts at ts + 0xFFFF and runs 2 more seconds, then ends.
    let ts2 = ts.wrapping_add(0xffff);
    updates(&mut t, t0, ts2, 8200, 400, 16_000, false);
    for _ in 0..3 {
        t.handle_packet(
            t0 + Duration::from_millis(10_200),
            3,
            0,
            ts2,
            false,
            &te(0, true, 10, 16_000),
        )
        .unwrap();
    }
    t.handle_timeout(t0 + Duration::from_secs(30));
    let events = drain(&mut t);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].digit, Digit::D0);
    let expected = Duration::from_nanos((0xffff + 16_000) * 125_000);
    assert_eq!(events[0].duration, expected);
}

#[test]
fn wrapped_duration_field_keeps_growing() {
    let t0 = Instant::now();
    let mut t = Rfc4733Tracker::new(t0);
    updates(&mut t, t0, 777, 0, 0, 80_000, true);
    t.handle_packet(
        t0 + Duration::from_millis(10_050),
        3,
        0,
        777,
        false,
        &te(0, true, 10, (80_400 & 0xffff) as u16),
    )
    .unwrap();
    let events = drain(&mut t);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].duration, Duration::from_millis(80_400 / 8));
}
