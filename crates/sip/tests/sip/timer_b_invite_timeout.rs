//! Timer B: an INVITE that gets no response at all fails after 64*T1 (32 s).
use crate::common::*;
use std::time::Duration;
use voice_otp_sip::{FailReason, SipEvent};

#[test]
fn unanswered_invite_fails_after_32_seconds() {
    let mut h = Harness::udp();
    let key = h.call(request());
    h.sent_one("INVITE");
    let sends = h.run_for(Duration::from_secs(40));
    // Retransmissions at 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s.
    assert_eq!(sends.len(), 6);
    let ev = h.events();
    assert_eq!(
        ev,
        [SipEvent::Failed {
            key,
            reason: FailReason::Timeout
        }]
    );
    assert_eq!(h.ua.active_calls(), 0);
    assert_eq!(h.ua.poll_timeout(), None);
}

#[test]
fn timer_b_fires_at_exactly_64_t1() {
    let mut h = Harness::udp();
    h.call(request());
    h.sent();
    while h.events().is_empty() {
        assert!(h.step());
    }
    assert_eq!(h.elapsed(), Duration::from_secs(32));
}

#[test]
fn a_provisional_stops_timer_b() {
    let mut h = Harness::udp();
    h.call(request());
    let inv = h.sent_one("INVITE");
    h.reply(&inv, 180, Some("t"), &[], "");
    h.events();
    h.run_for(Duration::from_secs(120));
    assert!(
        h.events().is_empty(),
        "ringing can last: the daemon's ring timeout ends it"
    );
}
