//! 183 with SDP, then a 200 without SDP: the early answer stands (RFC 3261 13.2.1 lets the
//! answer come in the 183); a 200 without SDP and no earlier answer is refused.
use crate::common::*;
use voice_otp_sip::{Codec, SipEvent};

#[test]
fn early_answer_is_used_when_200_has_no_body() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let inv = h.sent_one("INVITE");
    h.reply(&inv, 183, Some("e"), &[], ANSWER_SDP);
    let early = match &h.events()[..] {
        [
            SipEvent::Provisional {
                code: 183,
                early_media: Some(m),
                ..
            },
        ] => m.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(early.codec, Codec::Pcma);
    h.reply(
        &inv,
        200,
        Some("e"),
        &[("Contact", "<sip:uas@127.0.0.1:5060>")],
        "",
    );
    h.sent_one("ACK");
    assert_eq!(h.events(), [SipEvent::Answered { key, media: early }]);
}
