//! Senders that never set the marker bit (or whose first packet is lost)
//! still give one event per press, told apart by timestamp.

use crate::support::{drain, te};
use std::time::{Duration, Instant};
use voice_otp_dtmf::{Digit, Rfc4733Tracker};

#[test]
fn presses_without_marker_bits() {
    let t0 = Instant::now();
    let ms = |m| t0 + Duration::from_millis(m);
    let mut t = Rfc4733Tracker::new(t0);
    let keys = [
        (Digit::D4, 16000u32),
        (Digit::D2, 17600),
        (Digit::D4, 19200),
    ];
    let mut seq = 100u16;
    for (i, (d, ts)) in keys.iter().enumerate() {
        let base = 200 * i as u64;
        // The first update (duration 0) is lost: the stream starts at 160.
        for (j, dur) in [160u16, 320, 480].into_iter().enumerate() {
            seq += 1;
            t.handle_packet(
                ms(base + 20 * j as u64),
                7,
                seq,
                *ts,
                false,
                &te(d.event_code(), false, 12, dur),
            )
            .unwrap();
        }
        seq += 1;
        t.handle_packet(
            ms(base + 60),
            7,
            seq,
            *ts,
            false,
            &te(d.event_code(), true, 12, 640),
        )
        .unwrap();
    }
    let events = drain(&mut t);
    let got: Vec<Digit> = events.iter().map(|e| e.digit).collect();
    assert_eq!(got, [Digit::D4, Digit::D2, Digit::D4]);
    // The start accounts for the 20 ms the first lost update covered.
    assert_eq!(events[1].start, Duration::from_millis(180));
    assert_eq!(events[1].duration, Duration::from_millis(80));
}
