//! Timer D: after a non-2xx final the INVITE transaction stays 32 s (UDP) to re-ACK
//! retransmissions of that final; over TCP it ends at once.
use crate::common::*;
use std::time::Duration;
use voice_otp_sip::{FailReason, SipEvent, Transport};

#[test]
fn busy_is_acked_and_retransmitted_busy_is_acked_again() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let inv = h.sent_one("INVITE");
    h.reply(&inv, 486, Some("b"), &[], "");
    let ack = h.sent_one("ACK");
    assert_eq!(
        ack.top_branch(),
        inv.top_branch(),
        "non-2xx ACK is in the INVITE transaction"
    );
    assert_eq!(ack.cseq(), Some((1, "ACK")));
    assert!(ack.to_tag() == Some("b"));
    assert_eq!(
        h.events(),
        [SipEvent::Failed {
            key,
            reason: FailReason::Rejected {
                code: 486,
                reason: "Busy Here".into()
            }
        }]
    );
    h.run_for(Duration::from_secs(10));
    h.reply(&inv, 486, Some("b"), &[], "");
    assert_eq!(h.sent_one("ACK").to_bytes(), ack.to_bytes());
    assert!(h.events().is_empty(), "one terminal event only");
    assert_eq!(h.ua.active_calls(), 1);
    while h.step() {}
    assert_eq!(
        h.elapsed(),
        Duration::from_secs(32),
        "timer D is 32 s after the final"
    );
    assert_eq!(h.ua.active_calls(), 0);
    h.reply(&inv, 486, Some("b"), &[], "");
    assert!(
        h.sent().is_empty(),
        "after timer D the final is no longer matched"
    );
}

#[test]
fn timer_d_is_zero_over_tcp() {
    let mut cfg = config();
    cfg.transport = Transport::Tcp;
    let mut h = Harness::new(cfg);
    h.call(request());
    let inv = h.sent_one("INVITE");
    h.reply(&inv, 486, Some("b"), &[], "");
    h.sent_one("ACK");
    assert!(h.step());
    assert_eq!(h.elapsed(), Duration::ZERO);
    assert_eq!(h.ua.active_calls(), 0);
}
