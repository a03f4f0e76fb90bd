//! CANCEL while ringing: 200 for the CANCEL, 487 for the INVITE, which we ACK.
use crate::common::*;
use std::time::Duration;
use voice_otp_sip::{EndReason, SipEvent};

#[test]
fn request_terminated_is_acked_and_ends_the_call() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let inv = h.sent_one("INVITE");
    h.reply(&inv, 180, Some("r"), &[], "");
    h.events();
    h.ua.cancel(h.now, key);
    let cancel = h.sent_one("CANCEL");
    h.reply(&cancel, 200, None, &[], "");
    h.reply(&inv, 487, Some("r"), &[], "");
    let ack = h.sent_one("ACK");
    assert_eq!(ack.top_branch(), inv.top_branch());
    assert_eq!(ack.cseq(), Some((1, "ACK")));
    assert_eq!(
        h.events(),
        [SipEvent::Ended {
            key,
            reason: EndReason::Cancelled { code: Some(487) }
        }]
    );
    h.run_for(Duration::from_secs(40));
    assert_eq!(h.ua.active_calls(), 0);
}

#[test]
fn cancel_before_any_response_waits_for_a_provisional() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let inv = h.sent_one("INVITE");
    h.ua.cancel(h.now, key);
    assert!(
        h.sent().is_empty(),
        "RFC 3261 9.1: no CANCEL before a provisional"
    );
    let sends = h.run_for(Duration::from_millis(600));
    assert_eq!(
        kind(&sends[0].1),
        "INVITE",
        "the INVITE is still retransmitted"
    );
    h.reply(&inv, 100, None, &[], "");
    h.sent_one("CANCEL");
    assert!(
        h.events().is_empty(),
        "no Provisional event for a call being cancelled"
    );
}

#[test]
fn cancel_with_no_final_response_gives_up_after_64_t1() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let inv = h.sent_one("INVITE");
    h.reply(&inv, 180, Some("r"), &[], "");
    h.events();
    h.ua.cancel(h.now, key);
    let cancel = h.sent_one("CANCEL");
    h.reply(&cancel, 200, None, &[], "");
    h.run_for(Duration::from_secs(33));
    assert_eq!(
        h.events(),
        [SipEvent::Ended {
            key,
            reason: EndReason::Cancelled { code: None }
        }]
    );
}
