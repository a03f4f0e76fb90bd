//! Record-Route in the 2xx becomes the dialog's route set (reversed, RFC 3261 12.1.2) and
//! the remote target is the 2xx Contact: the ACK, BYE and INFO use both.
use crate::common::*;
use voice_otp_sip::{SipEvent, StartLine};

#[test]
fn in_dialog_requests_follow_route_set_and_contact() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let inv = h.sent_one("INVITE");
    h.reply(
        &inv,
        200,
        Some("rr"),
        &[
            ("Record-Route", "<sip:p2.example;lr>, <sip:p1.example;lr>"),
            (
                "Contact",
                "\"Far\" <sip:far@192.0.2.9:5062;transport=udp>;expires=60",
            ),
        ],
        ANSWER_SDP,
    );
    let ack = h.sent_one("ACK");
    let routes: Vec<&str> = ack.header_values("Route").collect();
    assert_eq!(routes, ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]);
    assert_eq!(
        ack.start,
        StartLine::Request {
            method: "ACK".into(),
            uri: "sip:far@192.0.2.9:5062;transport=udp".into()
        }
    );
    assert!(matches!(h.events()[..], [SipEvent::Answered { .. }]));
    h.ua.send_info(
        h.now,
        key,
        "application/dtmf-relay",
        b"Signal=5\r\nDuration=100\r\n",
    )
    .unwrap();
    let info = h.sent_one("INFO");
    assert_eq!(info.header_values("Route").count(), 2);
    assert_eq!(info.cseq(), Some((2, "INFO")));
    assert_eq!(info.header("Content-Type"), Some("application/dtmf-relay"));
    h.reply(&info, 200, None, &[], "");
    h.ua.hangup(h.now, key);
    let bye = h.sent_one("BYE");
    assert_eq!(
        bye.cseq(),
        Some((3, "BYE")),
        "CSeq keeps counting in the dialog"
    );
    assert_eq!(bye.header_values("Route").count(), 2);
    assert!(
        matches!(&bye.start, StartLine::Request { uri, .. } if uri.starts_with("sip:far@192.0.2.9"))
    );
}

#[test]
fn info_before_answer_is_refused() {
    let mut h = Harness::udp();
    let key = h.call(request());
    h.sent();
    assert!(h.ua.send_info(h.now, key, "text/plain", b"x").is_err());
    assert!(
        h.ua.send_info(h.now, voice_otp_sip::CallKey(99), "text/plain", b"x")
            .is_err()
    );
}
