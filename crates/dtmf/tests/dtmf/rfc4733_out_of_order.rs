//! Reordered packets: the duration only grows, the end may arrive before
//! updates, and a straggler from an earlier press is not a new press.

use crate::support::{drain, te};
use std::time::{Duration, Instant};
use voice_otp_dtmf::{Digit, Rfc4733Tracker};

#[test]
fn shuffled_updates_give_one_event_with_the_longest_duration() {
    let t0 = Instant::now();
    let ms = |m| t0 + Duration::from_millis(m);
    let mut t = Rfc4733Tracker::new(t0);
    let order = [480u16, 160, 640, 0, 320];
    for (i, dur) in order.into_iter().enumerate() {
        t.handle_packet(
            ms(10 * i as u64),
            1,
            i as u16,
            100,
            false,
            &te(11, false, 8, dur),
        )
        .unwrap();
    }
    assert!(drain(&mut t).is_empty());
    t.handle_packet(ms(100), 1, 9, 100, false, &te(11, true, 8, 800))
        .unwrap();
    // Updates overtaken by the end packet.
    t.handle_packet(ms(101), 1, 7, 100, false, &te(11, false, 8, 720))
        .unwrap();
    t.handle_timeout(ms(1000));
    let events = drain(&mut t);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].digit, Digit::Hash);
    assert_eq!(events[0].duration, Duration::from_millis(100));
}

#[test]
fn a_straggler_from_an_earlier_press_is_dropped() {
    let t0 = Instant::now();
    let ms = |m| t0 + Duration::from_millis(m);
    let mut t = Rfc4733Tracker::new(t0);
    // Press A at ts 1000: its first packets are lost entirely; press B at
    // ts 3000 is in progress when A's late end packet shows up.
    t.handle_packet(ms(0), 1, 10, 3000, true, &te(2, false, 8, 160))
        .unwrap();
    t.handle_packet(ms(5), 1, 8, 1000, false, &te(7, true, 8, 800))
        .unwrap();
    t.handle_packet(ms(20), 1, 11, 3000, false, &te(2, true, 8, 320))
        .unwrap();
    let got: Vec<Digit> = drain(&mut t).iter().map(|e| e.digit).collect();
    assert_eq!(got, [Digit::D2]);
}
