//! A 200 that crosses our CANCEL: the dialog is up on the far end, so we ACK it and BYE it.
use crate::common::*;
use voice_otp_sip::{EndReason, SipEvent};

#[test]
fn answer_racing_cancel_is_acked_then_byed() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let inv = h.sent_one("INVITE");
    h.reply(&inv, 180, Some("r1"), &[], "");
    assert!(matches!(
        h.events()[..],
        [SipEvent::Provisional { code: 180, .. }]
    ));
    h.ua.cancel(h.now, key);
    let cancel = h.sent_one("CANCEL");
    assert_eq!(
        cancel.top_branch(),
        inv.top_branch(),
        "CANCEL reuses the INVITE branch"
    );
    assert_eq!(cancel.cseq(), Some((1, "CANCEL")));
    assert_eq!(
        cancel.header("To"),
        inv.header("To"),
        "CANCEL's To has no tag"
    );
    // The far end answered before it saw the CANCEL.
    h.reply(
        &inv,
        200,
        Some("r1"),
        &[("Contact", "<sip:uas@127.0.0.1:5060>")],
        ANSWER_SDP,
    );
    let mut sent = h.sent();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    let bye = sent.pop().unwrap();
    let ack = sent.pop().unwrap();
    assert_eq!(kind(&ack), "ACK");
    assert_ne!(
        ack.top_branch(),
        inv.top_branch(),
        "2xx ACK is a new transaction"
    );
    assert_eq!(ack.cseq(), Some((1, "ACK")));
    assert_eq!(kind(&bye), "BYE");
    assert_eq!(bye.to_tag(), Some("r1"));
    assert!(h.events().is_empty(), "no Answered for a call we cancelled");
    h.reply(&cancel, 200, None, &[], "");
    h.reply(&bye, 200, None, &[], "");
    assert_eq!(
        h.events(),
        [SipEvent::Ended {
            key,
            reason: EndReason::Cancelled { code: Some(200) }
        }]
    );
}
