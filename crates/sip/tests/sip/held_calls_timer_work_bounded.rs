//! 10,000 calls at 300 calls/s, each held for its 64*T1 RFC 6026 timer after it ends: the
//! timer work grows with the timers that fire, not with the ~9,600 calls held meanwhile, and
//! every call's state is freed when its last timer fires.
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::common::*;
use voice_otp_sip::{CallKey, SipEvent, SipMessage};

const CALLS: u32 = 10_000;

/// Fires every timer due up to `at`; expiring held transactions must send nothing.
fn advance(h: &mut Harness, at: Instant) {
    while let Some(t) = h.ua.poll_timeout() {
        if t > at {
            break;
        }
        assert!(t >= h.now, "deadline in the past");
        h.now = t;
        h.ua.handle_timeout(t);
        assert!(h.sent().is_empty(), "an expiring held timer sent something");
    }
    h.now = at;
}

fn end_call(h: &mut Harness, key: CallKey, invite: &SipMessage) {
    if key.0.is_multiple_of(2) {
        // The far end hangs up (as SIPp does in the load test): we answer, no transaction.
        h.feed(&far_request(invite, "BYE", "uas1", 1, &[], ""));
        h.sent_one("200");
    } else {
        // We hang up: our BYE's transaction then waits Timer K (T4) after its 200.
        h.ua.hangup(h.now, key);
        let bye = h.sent_one("BYE");
        h.reply(&bye, 200, None, &[], "");
        assert!(h.sent().is_empty());
    }
    let ev = h.events();
    assert!(
        matches!(ev.as_slice(), [SipEvent::Ended { key: k, .. }] if *k == key),
        "{ev:#?}"
    );
}

#[test]
fn ten_thousand_held_calls_cost_one_timer_check_per_expiry() {
    let mut h = Harness::udp();
    let tick = Duration::from_micros(3_333);
    let hold = Duration::from_millis(300);
    let mut live: VecDeque<(Instant, CallKey, SipMessage)> = VecDeque::new();
    let mut peak = 0;
    for i in 0..CALLS {
        let at = h.start + tick * i;
        advance(&mut h, at);
        while live.front().is_some_and(|(end, _, _)| *end <= at) {
            let (_, key, invite) = live.pop_front().unwrap();
            end_call(&mut h, key, &invite);
        }
        let key = h.call(request());
        let (invite, _ack) = h.answer(key);
        live.push_back((at + hold, key, invite));
        peak = peak.max(h.ua.active_calls());
    }
    while let Some((end, key, invite)) = live.pop_front() {
        let at = end.max(h.now);
        advance(&mut h, at);
        end_call(&mut h, key, &invite);
    }
    let checks_before_drain = h.ua.timer_checks();
    let t1 = h.ua.config().timers.t1;
    let after = h.now + 64 * t1 + Duration::from_secs(1);
    advance(&mut h, after);

    // ~32 s of calls at 300/s are held at once: the situation that used to cost a full scan
    // per expiry.
    assert!(peak > 9_000, "peak held calls {peak}");
    assert_eq!(h.ua.active_calls(), 0, "every call freed after its timers");
    assert_eq!(h.ua.poll_timeout(), None);
    assert!(h.events().is_empty());
    // Timer L per call, plus Timer K for the half that hung up themselves.
    let expiries = u64::from(CALLS) + u64::from(CALLS) / 2;
    let checks = h.ua.timer_checks();
    assert!(
        checks <= expiries,
        "{checks} timer checks for {expiries} expiries (a full scan would be ~{})",
        u64::from(CALLS) * 9_000
    );
    assert!(
        checks >= u64::from(CALLS),
        "timer L must have fired for every call"
    );
    assert!(
        checks > checks_before_drain,
        "the drain fired the last timers"
    );
}
