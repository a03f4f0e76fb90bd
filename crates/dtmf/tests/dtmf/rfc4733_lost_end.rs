//! When every end packet is lost the press still ends: on the timeout after
//! the last packet, or at once when the next press (or another SSRC) begins.

use crate::support::{drain, te};
use std::time::{Duration, Instant};
use voice_otp_dtmf::{Digit, END_TIMEOUT, Rfc4733Tracker};

#[test]
fn ends_on_timeout() {
    let t0 = Instant::now();
    let ms = |m| t0 + Duration::from_millis(m);
    let mut t = Rfc4733Tracker::new(t0);
    assert_eq!(t.poll_timeout(), None);
    for (i, dur) in [0u16, 160, 320, 480].into_iter().enumerate() {
        t.handle_packet(
            ms(50 * i as u64),
            9,
            i as u16,
            4000,
            i == 0,
            &te(9, false, 10, dur),
        )
        .unwrap();
    }
    let deadline = t.poll_timeout().expect("a press is open");
    assert_eq!(deadline, ms(150) + END_TIMEOUT);
    t.handle_timeout(deadline - Duration::from_millis(1));
    assert!(drain(&mut t).is_empty(), "not before the deadline");
    t.handle_timeout(deadline);
    let events = drain(&mut t);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].digit, Digit::D9);
    assert_eq!(events[0].duration, Duration::from_millis(60));
    assert_eq!(t.poll_timeout(), None);
    // Stragglers of the closed press do not reopen it.
    t.handle_packet(ms(900), 9, 9, 4000, false, &te(9, true, 10, 640))
        .unwrap();
    t.handle_timeout(ms(5000));
    assert!(drain(&mut t).is_empty());
}

#[test]
fn ends_when_the_next_press_begins() {
    let t0 = Instant::now();
    let ms = |m| t0 + Duration::from_millis(m);
    let mut t = Rfc4733Tracker::new(t0);
    t.handle_packet(ms(0), 9, 1, 4000, true, &te(3, false, 10, 400))
        .unwrap();
    t.handle_packet(ms(100), 9, 2, 4800, true, &te(6, false, 10, 0))
        .unwrap();
    let events = drain(&mut t);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].digit, Digit::D3);
    t.handle_packet(ms(150), 9, 3, 4800, false, &te(6, true, 10, 400))
        .unwrap();
    assert_eq!(drain(&mut t)[0].digit, Digit::D6);
}

#[test]
fn key_down_while_the_press_is_open() {
    let t0 = Instant::now();
    let mut t = Rfc4733Tracker::new(t0);
    assert_eq!(t.key_down(), None);
    t.handle_packet(t0, 9, 1, 4000, true, &te(1, false, 10, 0))
        .unwrap();
    assert_eq!(t.key_down(), Some(Digit::D1));
    t.handle_packet(t0, 9, 2, 4000, false, &te(1, true, 10, 800))
        .unwrap();
    assert_eq!(t.key_down(), None);
}
