//! Timers E and F: our BYE is retransmitted (T1 doubling, capped at T2) and given up after
//! 64*T1; the call still ends, with no final code.
use crate::common::*;
use std::time::Duration;
use voice_otp_sip::{EndReason, SipEvent};

#[test]
fn bye_retransmits_then_times_out() {
    let mut h = Harness::udp();
    let key = h.call(request());
    h.answer(key);
    h.run_for(Duration::from_secs(40)); // past the INVITE's Accepted state
    let t0 = h.elapsed();
    h.ua.hangup(h.now, key);
    let bye = h.sent_one("BYE");
    let sends = h.run_for(Duration::from_secs(40));
    let times: Vec<u128> = sends.iter().map(|(t, _)| (*t - t0).as_millis()).collect();
    assert_eq!(
        times,
        [
            500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500
        ]
    );
    assert!(sends.iter().all(|(_, m)| m.to_bytes() == bye.to_bytes()));
    assert_eq!(
        h.events(),
        [SipEvent::Ended {
            key,
            reason: EndReason::LocalBye { code: None }
        }]
    );
    assert_eq!(h.ua.active_calls(), 0);
}

#[test]
fn provisional_to_bye_slows_retransmission_to_t2() {
    let mut h = Harness::udp();
    let key = h.call(request());
    h.answer(key);
    h.run_for(Duration::from_secs(40));
    let t0 = h.elapsed();
    h.ua.hangup(h.now, key);
    let bye = h.sent_one("BYE");
    h.run_for(Duration::from_millis(600)); // one retransmission at 0.5 s, next due at 1.5 s
    h.reply(&bye, 100, None, &[], "");
    let sends = h.run_for(Duration::from_secs(10));
    let times: Vec<u128> = sends.iter().map(|(t, _)| (*t - t0).as_millis()).collect();
    assert_eq!(times, [1500, 5500, 9500]);
}
