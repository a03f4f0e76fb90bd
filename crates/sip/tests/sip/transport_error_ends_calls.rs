//! When the driver reports the trunk connection broken, calls towards it end at once.
use crate::common::*;
use voice_otp_sip::{EndReason, FailReason, SipEvent};

#[test]
fn ringing_call_fails_and_answered_call_ends() {
    let mut h = Harness::udp();
    let ringing = h.call(request());
    let inv = h.sent_one("INVITE");
    h.reply(&inv, 180, Some("r"), &[], "");
    let answered = h.call(request());
    h.answer(answered);
    h.events();
    h.ua.handle_transport_error(h.now, h.trunk);
    let ev = h.events();
    assert!(ev.contains(&SipEvent::Failed {
        key: ringing,
        reason: FailReason::TransportError
    }));
    assert!(ev.contains(&SipEvent::Ended {
        key: answered,
        reason: EndReason::TransportError
    }));
    assert_eq!(h.ua.active_calls(), 0);
    assert_eq!(h.ua.poll_timeout(), None);
}
