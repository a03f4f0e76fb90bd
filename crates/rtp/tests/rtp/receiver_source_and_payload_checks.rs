//! The receiver drops packets from the wrong address or with an unnegotiated payload type,
//! counts malformed datagrams without panicking, and with symmetric latching locks onto the
//! first source of the SDP's IP (RTP for NATed trunks) and reports it.

use std::net::SocketAddr;
use std::time::Instant;

use crate::common::packets::rtp;
use voice_otp_rtp::{
    Codec, Latching, PayloadType, ReceiverConfig, ReceiverEvent, RtpError, RtpReceiver,
};

fn config(latching: Latching) -> ReceiverConfig {
    ReceiverConfig {
        codec: Codec::Pcma,
        payload_type: PayloadType::PCMA,
        telephone_event: PayloadType::new(101),
        remote: "192.0.2.10:30000".parse().unwrap(),
        latching,
    }
}

#[test]
fn wrong_source_and_payload_type_are_dropped() {
    let now = Instant::now();
    let mut r = RtpReceiver::new(config(Latching::Strict), now);
    let sdp: SocketAddr = "192.0.2.10:30000".parse().unwrap();
    let nat: SocketAddr = "198.51.100.7:41234".parse().unwrap();
    r.handle_datagram(now, sdp, &rtp(8, true, 1, 0, 5, &[0xd5; 160]))
        .unwrap();
    r.handle_datagram(now, nat, &rtp(8, false, 2, 160, 5, &[0xd5; 160]))
        .unwrap();
    r.handle_datagram(now, sdp, &rtp(0, false, 3, 320, 5, &[0xff; 160]))
        .unwrap(); // PCMU
    r.handle_datagram(now, sdp, &rtp(101, false, 4, 320, 5, &[1, 10, 0, 160]))
        .unwrap();
    let s = r.stats();
    assert_eq!(s.packets, 2);
    assert_eq!(s.rejected_source, 1);
    assert_eq!(s.rejected_payload_type, 1);
    assert_eq!(r.poll_event(), None);
    assert_eq!(r.remote(), sdp);
}

#[test]
fn malformed_datagrams_are_errors_and_counted() {
    let now = Instant::now();
    let mut r = RtpReceiver::new(config(Latching::Strict), now);
    let sdp: SocketAddr = "192.0.2.10:30000".parse().unwrap();
    let good = rtp(8, false, 1, 0, 5, &[0xd5; 160]);
    let mut v1 = good.clone();
    v1[0] = 0x40; // version 1
    let mut bad_pad = good.clone();
    bad_pad[0] |= 0x20; // padding bit with a padding count larger than the payload
    *bad_pad.last_mut().unwrap() = 200;
    let cases: Vec<&[u8]> = vec![&[], &good[..5], &good[..11], &v1, &bad_pad];
    for c in &cases {
        assert!(matches!(
            r.handle_datagram(now, sdp, c),
            Err(RtpError::MalformedRtp)
        ));
    }
    assert_eq!(r.stats().malformed, cases.len() as u64);
    assert_eq!(r.stats().packets, 0);
}

#[test]
fn latching_locks_onto_the_first_source_once() {
    let now = Instant::now();
    let mut r = RtpReceiver::new(config(Latching::Symmetric), now);
    // Behind NAT: the SDP's IP, another port (a source on another IP may never latch).
    let nat: SocketAddr = "192.0.2.10:41234".parse().unwrap();
    let other: SocketAddr = "203.0.113.9:5004".parse().unwrap();
    r.handle_datagram(now, nat, &rtp(8, true, 1, 0, 5, &[0xd5; 160]))
        .unwrap();
    assert_eq!(r.poll_event(), Some(ReceiverEvent::Latched(nat)));
    assert_eq!(r.remote(), nat);
    r.handle_datagram(now, other, &rtp(8, false, 2, 160, 5, &[0xd5; 160]))
        .unwrap();
    assert_eq!(r.poll_event(), None);
    let s = r.stats();
    assert_eq!((s.packets, s.rejected_source), (1, 1));
}
