//! Forking: a second 2xx with another To tag creates a second dialog; we ACK it and BYE it,
//! and keep the first.
use crate::common::*;
use voice_otp_sip::SipEvent;

#[test]
fn second_dialog_is_acked_and_byed() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let (inv, _ack) = h.answer(key);
    h.reply(
        &inv,
        200,
        Some("fork2"),
        &[("Contact", "<sip:other@127.0.0.1:5099>")],
        ANSWER_SDP,
    );
    let sent = h.sent();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert_eq!(kind(&sent[0]), "ACK");
    assert_eq!(sent[0].to_tag(), Some("fork2"));
    assert_eq!(kind(&sent[1]), "BYE");
    assert_eq!(sent[1].to_tag(), Some("fork2"));
    assert!(
        matches!(&sent[1].start, voice_otp_sip::StartLine::Request { uri, .. } if uri == "sip:other@127.0.0.1:5099")
    );
    h.reply(&sent[1], 200, None, &[], "");
    assert!(h.events().is_empty(), "the main call is untouched");
    // The main dialog still works.
    h.ua.hangup(h.now, key);
    let bye = h.sent_one("BYE");
    assert_eq!(bye.to_tag(), Some("uas1"));
    h.reply(&bye, 200, None, &[], "");
    assert!(matches!(h.events()[..], [SipEvent::Ended { .. }]));
}
