//! The far end's INFO, OPTIONS, re-INVITE and UPDATE inside the dialog are answered 200.
use crate::common::*;
use voice_otp_sip::{SessionDescription, SipEvent};

#[test]
fn info_is_answered_and_reported() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let (inv, _) = h.answer(key);
    let body = "Signal=1\r\nDuration=160\r\n";
    h.feed(&far_request(
        &inv,
        "INFO",
        "uas1",
        2,
        &[("Content-Type", "application/dtmf-relay")],
        body,
    ));
    let ok = h.sent_one("200");
    assert_eq!(ok.cseq(), Some((2, "INFO")));
    assert_eq!(
        h.events(),
        [SipEvent::Info {
            key,
            content_type: "application/dtmf-relay".into(),
            body: body.as_bytes().to_vec().into()
        }]
    );
}

#[test]
fn options_in_dialog_is_answered() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let (inv, _) = h.answer(key);
    h.feed(&far_request(&inv, "OPTIONS", "uas1", 2, &[], ""));
    let ok = h.sent_one("200");
    assert!(ok.header("Allow").unwrap().contains("INVITE"));
    assert!(h.events().is_empty());
}

#[test]
fn refresh_reinvite_gets_our_same_sdp() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let (inv, _) = h.answer(key);
    h.feed(&far_request(
        &inv,
        "INVITE",
        "uas1",
        2,
        &[("Content-Type", "application/sdp")],
        ANSWER_SDP,
    ));
    let ok = h.sent_one("200");
    assert_eq!(
        ok.body, inv.body,
        "unchanged session: same SDP, same o= version"
    );
    let sdp = SessionDescription::parse(&ok.body).unwrap();
    assert_eq!(
        sdp.session_version,
        SessionDescription::parse(&inv.body)
            .unwrap()
            .session_version
    );
    assert!(ok.header("Contact").is_some());
    assert!(ok.to_tag().is_some());
    assert!(h.events().is_empty(), "same media: no update event");
    // Their ACK is absorbed.
    h.feed(&far_request(&inv, "ACK", "uas1", 2, &[], ""));
    assert!(h.sent().is_empty());
}

#[test]
fn update_moving_media_is_reported() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let (inv, _) = h.answer(key);
    let moved = ANSWER_SDP.replace("6000", "6002");
    h.feed(&far_request(
        &inv,
        "UPDATE",
        "uas1",
        2,
        &[("Content-Type", "application/sdp")],
        &moved,
    ));
    h.sent_one("200");
    match &h.events()[..] {
        [SipEvent::MediaUpdated { media, .. }] => assert_eq!(media.remote_rtp.port(), 6002),
        other => panic!("{other:?}"),
    }
}
