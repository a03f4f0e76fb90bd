//! An answer without any codec we offered: ACK, BYE, and a clear failure reason.
use crate::common::*;
use voice_otp_sip::{FailReason, NegotiationError, SipEvent};

const G729_ONLY: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n\
t=0 0\r\nm=audio 6000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n";

#[test]
fn unusable_answer_is_acked_byed_and_reported() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let inv = h.sent_one("INVITE");
    h.reply(
        &inv,
        200,
        Some("x"),
        &[("Contact", "<sip:uas@127.0.0.1:5060>")],
        G729_ONLY,
    );
    let sent = h.sent();
    let kinds: Vec<String> = sent.iter().map(kind).collect();
    assert_eq!(kinds, ["ACK", "BYE"]);
    assert_eq!(
        h.events(),
        [SipEvent::Failed {
            key,
            reason: FailReason::NoCommonCodec(NegotiationError::NoCommonCodec)
        }]
    );
    h.reply(&sent[1], 200, None, &[], "");
    assert!(h.events().is_empty(), "exactly one terminal event");
}

#[test]
fn answer_without_sdp_is_also_refused() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let inv = h.sent_one("INVITE");
    h.reply(
        &inv,
        200,
        Some("x"),
        &[("Contact", "<sip:uas@127.0.0.1:5060>")],
        "",
    );
    assert_eq!(h.sent().len(), 2);
    assert_eq!(
        h.events(),
        [SipEvent::Failed {
            key,
            reason: FailReason::NoCommonCodec(NegotiationError::NoAnswer)
        }]
    );
}
