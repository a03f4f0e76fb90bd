//! Responses written with compact header names (v: f: t: i: l: m: c:) are understood.
use crate::common::*;
use voice_otp_sip::{Codec, SipEvent, parse_message};

#[test]
fn compact_form_200_answers_the_call() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let inv = h.sent_one("INVITE");
    let sdp = ANSWER_SDP;
    let msg = format!(
        "SIP/2.0 200 OK\r\nv: {}\r\nf: {}\r\nt: {};tag=cmp\r\ni: {}\r\nCSeq: 1 INVITE\r\n\
         m: <sip:uas@127.0.0.1:5060>\r\nc: application/sdp\r\nl: {}\r\n\r\n{sdp}",
        inv.header("Via").unwrap(),
        inv.header("From").unwrap(),
        inv.header("To").unwrap(),
        inv.call_id().unwrap(),
        sdp.len()
    );
    h.feed(msg.as_bytes());
    h.sent_one("ACK");
    match &h.events()[..] {
        [SipEvent::Answered { key: k, media }] => {
            assert_eq!(*k, key);
            assert_eq!(media.codec, Codec::Pcma);
            assert_eq!(media.remote_rtp, "127.0.0.1:6000".parse().unwrap());
            assert_eq!(media.telephone_event_pt, Some(101));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.ua.malformed_count(), 0);
}

#[test]
fn compact_names_are_expanded_and_folded_lines_joined() {
    let raw = b"BYE sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf: <sip:x@y>;tag=1\r\n\
t: <sip:a@b>\r\n ;tag=2\r\ni: abc\r\nCSeq: 2 BYE\r\nl: 0\r\n\r\n";
    let m = parse_message(raw).unwrap();
    assert_eq!(m.header("Via"), Some("SIP/2.0/UDP h;branch=z9hG4bK1"));
    assert_eq!(m.to_tag(), Some("2"));
    assert_eq!(m.call_id(), Some("abc"));
    assert_eq!(m.header("Content-Length"), Some("0"));
}
