//! The far end's SDP may only put media at a unicast address inside `peer-networks`: an
//! answer at 0.0.0.0, ::, a multicast group, the broadcast address or outside the networks
//! fails the call (ACKed and BYEd, never Answered), and a re-INVITE or UPDATE moving the
//! media there is refused with 488 and moves nothing.
use std::net::IpAddr;

use crate::common::*;
use voice_otp_sip::{
    FailReason, MediaAddressError, NegotiationError, NetworkList, SipEvent, UserAgent,
};

fn sdp_at(addr: &str) -> String {
    let ip: IpAddr = addr.parse().unwrap();
    let family = if ip.is_ipv4() { "IP4" } else { "IP6" };
    ANSWER_SDP.replace("c=IN IP4 127.0.0.1", &format!("c=IN {family} {addr}"))
}

/// Dials and answers with media at `addr`; returns the terminal event.
fn answer_at(h: &mut Harness, addr: &str) -> Vec<SipEvent> {
    let key = h.call(request());
    let invite = h.sent_one("INVITE");
    h.reply(&invite, 180, Some("uas1"), &[], "");
    h.events();
    h.reply(&invite, 200, Some("uas1"), &[], &sdp_at(addr));
    let sent: Vec<String> = h.sent().iter().map(kind).collect();
    assert_eq!(
        sent,
        ["ACK", "BYE"],
        "the refused answer is ACKed and ended"
    );
    let events = h.events();
    assert!(events.iter().all(|e| e.key() == Some(key)));
    events
}

fn refused(addr: &str, why: fn(IpAddr) -> MediaAddressError) -> Vec<SipEvent> {
    let key = voice_otp_sip::CallKey(1);
    let ip: IpAddr = addr.parse().unwrap();
    vec![SipEvent::Failed {
        key,
        reason: FailReason::NoCommonCodec(NegotiationError::UnusableAddress(why(ip))),
    }]
}

#[test]
fn unspecified_multicast_and_broadcast_answers_fail_the_call() {
    for (addr, why) in [
        (
            "0.0.0.0",
            MediaAddressError::Unspecified as fn(IpAddr) -> MediaAddressError,
        ),
        ("::", MediaAddressError::Unspecified),
        ("224.0.0.1", MediaAddressError::Multicast),
        ("ff02::1", MediaAddressError::Multicast),
        ("255.255.255.255", MediaAddressError::Broadcast),
    ] {
        let mut h = Harness::udp();
        assert_eq!(answer_at(&mut h, addr), refused(addr, why), "{addr}");
    }
}

#[test]
fn ipv4_mapped_multicast_is_judged_as_ipv4() {
    let mut h = Harness::udp();
    let events = answer_at(&mut h, "::ffff:224.0.0.1");
    assert_eq!(events, refused("224.0.0.1", MediaAddressError::Multicast));
}

#[test]
fn answer_outside_peer_networks_fails_the_call() {
    let peers = NetworkList::parse(["127.0.0.0/8"]).unwrap();
    let mut h = Harness::udp();
    h.ua = UserAgent::new(config()).with_peer_networks(peers);
    let events = answer_at(&mut h, "192.0.2.9");
    assert_eq!(
        events,
        refused("192.0.2.9", MediaAddressError::OutsidePeerNetworks)
    );
    let reason = match &events[0] {
        SipEvent::Failed {
            reason: FailReason::NoCommonCodec(e),
            ..
        } => e.to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        reason,
        "Far end media address 192.0.2.9 is outside [rtp] peer-networks"
    );
}

#[test]
fn answer_inside_peer_networks_is_answered() {
    let peers = NetworkList::parse(["127.0.0.0/8", "192.0.2.0/24"]).unwrap();
    let mut h = Harness::udp();
    h.ua = UserAgent::new(config()).with_peer_networks(peers);
    let key = h.call(request());
    let invite = h.sent_one("INVITE");
    h.reply(&invite, 200, Some("uas1"), &[], &sdp_at("192.0.2.9"));
    h.sent_one("ACK");
    let events = h.events();
    assert!(
        matches!(&events[..], [SipEvent::Answered { key: k, media }]
            if *k == key && media.remote_rtp == "192.0.2.9:6000".parse().unwrap()),
        "{events:#?}"
    );
}

#[test]
fn early_media_at_a_multicast_address_is_not_used() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let invite = h.sent_one("INVITE");
    h.reply(&invite, 183, Some("uas1"), &[], &sdp_at("224.0.0.1"));
    assert_eq!(
        h.events(),
        [SipEvent::Provisional {
            key,
            code: 183,
            reason: "Session Progress".into(),
            early_media: None
        }]
    );
}

#[test]
fn reinvite_or_update_moving_media_to_a_refused_address_gets_488() {
    for (method, addr) in [
        ("INVITE", "224.0.0.1"),
        ("INVITE", "0.0.0.0"),
        ("UPDATE", "255.255.255.255"),
    ] {
        let mut h = Harness::udp();
        let key = h.call(request());
        let (inv, _) = h.answer(key);
        h.feed(&far_request(
            &inv,
            method,
            "uas1",
            2,
            &[("Content-Type", "application/sdp")],
            &sdp_at(addr),
        ));
        let refusal = h.sent_one("488");
        assert_eq!(refusal.cseq(), Some((2, method)));
        assert!(h.events().is_empty(), "{method} to {addr}: media not moved");
        // The call goes on where it was: a later, acceptable move is taken.
        h.feed(&far_request(
            &inv,
            method,
            "uas1",
            3,
            &[("Content-Type", "application/sdp")],
            &sdp_at("127.0.0.2"),
        ));
        h.sent_one("200");
        assert!(
            matches!(&h.events()[..], [SipEvent::MediaUpdated { key: k, media }]
                if *k == key && media.remote_rtp.ip().to_string() == "127.0.0.2"),
            "{method}"
        );
    }
}
