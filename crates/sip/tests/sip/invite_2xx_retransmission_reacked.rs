//! The far end retransmits its 200 until it sees our ACK: every copy gets the same ACK again.
use crate::common::*;
use voice_otp_sip::SipEvent;

#[test]
fn retransmitted_200_is_acked_again_without_new_events() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let (inv, ack) = h.answer(key);
    assert_eq!(ack.header("Call-ID"), inv.header("Call-ID"));
    assert!(ack.header("Via").unwrap().contains(";rport"));
    assert!(
        ack.start
            == voice_otp_sip::StartLine::Request {
                method: "ACK".into(),
                uri: "sip:uas@127.0.0.1:5060".into()
            },
        "2xx ACK goes to the remote target (Contact)"
    );
    for _ in 0..3 {
        h.reply(
            &inv,
            200,
            Some("uas1"),
            &[("Contact", "<sip:uas@127.0.0.1:5060>")],
            ANSWER_SDP,
        );
        assert_eq!(h.sent_one("ACK").to_bytes(), ack.to_bytes());
    }
    assert!(h.events().is_empty());
    let _ = SipEvent::TrunkStatus { reachable: true };
}
