//! An SRTP stream through the media engine on loopback: what it sends decrypts with our key
//! at the far end and is not the plain audio; the far end's key press, protected with its
//! key, arrives as a DTMF event; the same press in clear is dropped and counted.

use std::net::UdpSocket;
use std::time::Duration;

use crate::common::engine::{loopback_engine, pcma_to};
use crate::common::packets::{event, rtp};
use voice_otp_dtmf::Digit;
use voice_otp_rtp::{
    PayloadType, SrtpInbound, SrtpOutbound, SrtpStream, SrtpSuite, StreamConfig, StreamEvent,
    parse_rtp,
};

const OURS: [u8; 30] = [0x11; 30];
const THEIRS: [u8; 30] = [0x22; 30];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srtp_both_ways_and_keys_still_pressed() {
    let suite = SrtpSuite::Aes128CmHmacSha1_80;
    let far_end = UdpSocket::bind("127.0.0.1:0").unwrap();
    far_end
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let engine = loopback_engine("41680-41699", 1);
    let (stream, mut events) = engine
        .open_stream(StreamConfig {
            telephone_event: PayloadType::new(101),
            srtp: Some(SrtpStream::new(suite, &OURS, &THEIRS).unwrap()),
            ..pcma_to(&engine, far_end.local_addr().unwrap(), 21)
        })
        .await
        .unwrap();

    // Silence flows at once: A-law silence in clear would be 160 bytes of 0xd5.
    let mut from_us = SrtpInbound::new(suite, &OURS).unwrap();
    let mut buf = [0u8; 1500];
    let mut our_port = 0;
    for _ in 0..10 {
        let (n, from) = far_end.recv_from(&mut buf).expect("our packet");
        our_port = from.port();
        assert_eq!(n, 12 + 160 + suite.rtp_overhead());
        assert_ne!(buf[12..172], [0xd5; 160], "the payload is not in clear");
        let plain = from_us.unprotect_rtp(&buf[..n]).expect("our key");
        let view = parse_rtp(&plain).unwrap();
        assert_eq!(view.payload_type, PayloadType::PCMA);
        assert_eq!(plain[view.payload], [0xd5; 160]);
    }

    // Key 1 as telephone-events: once in clear (dropped), once protected.
    let presses: Vec<Vec<u8>> = (1..=5u16)
        .map(|k| {
            let payload = event(1, k >= 3, 10, 160 * k.min(3));
            rtp(101, k == 1, 200 + k, 8000, 0x0bad_cafe, &payload)
        })
        .collect();
    for p in &presses {
        far_end.send_to(p, ("127.0.0.1", our_port)).unwrap();
    }
    let mut from_them = SrtpOutbound::new(suite, &THEIRS).unwrap();
    for p in &presses {
        let wire = from_them.protect_rtp(p).unwrap();
        far_end.send_to(&wire, ("127.0.0.1", our_port)).unwrap();
    }
    let ev = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("a key press")
        .unwrap();
    match ev {
        StreamEvent::Dtmf(d) => assert_eq!(d.digit, Digit::D1),
        other => panic!("{other:?}"),
    }
    let stats = stream.close().await;
    assert_eq!(stats.received.srtp_rejected, 5, "{stats:?}");
    assert_eq!(stats.received.packets, 5, "{stats:?}");
    assert_eq!(stats.send_errors, 0, "{stats:?}");
}
