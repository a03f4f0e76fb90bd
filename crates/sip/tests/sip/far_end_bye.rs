//! The callee hangs up: their BYE gets 200 and the call ends with RemoteBye.
use crate::common::*;
use voice_otp_sip::{EndReason, SipEvent};

#[test]
fn remote_bye_is_answered_and_ends_the_call() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let (inv, _) = h.answer(key);
    let bye = far_request(&inv, "BYE", "uas1", 1, &[], "");
    h.feed(&bye);
    let ok = h.sent_one("200");
    assert_eq!(ok.cseq(), Some((1, "BYE")));
    assert_eq!(ok.top_branch(), Some("z9hG4bKfar1BYE"));
    assert_eq!(
        h.events(),
        [SipEvent::Ended {
            key,
            reason: EndReason::RemoteBye
        }]
    );
    // A retransmitted BYE is answered again, without a second event.
    h.feed(&bye);
    h.sent_one("200");
    assert!(h.events().is_empty());
    // Hanging up now does nothing.
    h.ua.hangup(h.now, key);
    assert!(h.sent().is_empty());
}

#[test]
fn bye_for_unknown_call_gets_481() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let (inv, _) = h.answer(key);
    let bye = String::from_utf8(far_request(&inv, "BYE", "uas1", 1, &[], "")).unwrap();
    let bye = bye.replace(inv.call_id().unwrap(), "nosuchcall@x");
    h.feed(bye.as_bytes());
    h.sent_one("481");
    assert!(h.events().is_empty());
}
