//! An SRTP stream through the media engine on loopback: what it sends decrypts with our key
//! at the far end and is not the plain audio; the far end's key press, protected with its
//! key, arrives as a DTMF event; the same press in clear is dropped and counted. After the
//! far end re-keys (`StreamHandle::rekey_inbound`, for a re-INVITE with a new `a=crypto`
//! key), its presses under the new key arrive and those under the old key are dropped.

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
const THEIRS_NEW: [u8; 30] = [0x33; 30];

/// One RFC 4733 press of `digit` (start, update, three ends) at RTP timestamp `ts`, with
/// sequence numbers from `seq`.
fn press(digit: u8, seq: u16, ts: u32) -> Vec<Vec<u8>> {
    (1..=5u16)
        .map(|k| {
            let payload = event(digit, k >= 3, 10, 160 * k.min(3));
            rtp(101, k == 1, seq + k, ts, 0x0bad_cafe, &payload)
        })
        .collect()
}

/// The next key press among the stream's events (bounded wait).
async fn next_digit(
    events: &mut tokio::sync::mpsc::Receiver<StreamEvent>,
    within: Duration,
) -> Option<Digit> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(StreamEvent::Dtmf(d))) => return Some(d.digit),
            Ok(Some(_)) => continue,
            Ok(None) | Err(_) => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srtp_both_ways_and_keys_still_pressed() {
    let suite = SrtpSuite::Aes128CmHmacSha1_80;
    let far_end = UdpSocket::bind("127.0.0.1:0").unwrap();
    far_end
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let engine = loopback_engine("41680-41699", 1);
    let (mut stream, mut events) = engine
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
    let presses = press(1, 200, 8000);
    for p in &presses {
        far_end.send_to(p, ("127.0.0.1", our_port)).unwrap();
    }
    let mut from_them = SrtpOutbound::new(suite, &THEIRS).unwrap();
    for p in &presses {
        let wire = from_them.protect_rtp(p).unwrap();
        far_end.send_to(&wire, ("127.0.0.1", our_port)).unwrap();
    }
    let first = next_digit(&mut events, Duration::from_secs(5)).await;
    assert_eq!(first, Some(Digit::D1));

    // The far end re-keys. Key 2 under its new key is heard: pressed again (new sequence
    // numbers and timestamp) until it is, as the engine takes the new key between two
    // wake-ups and a press that came before it is dropped.
    assert!(
        !stream.rekey_inbound(suite, &THEIRS).unwrap(),
        "the same key: no change"
    );
    assert!(stream.rekey_inbound(suite, &THEIRS_NEW).unwrap());
    let mut from_them_now = SrtpOutbound::new(suite, &THEIRS_NEW).unwrap();
    let send = |out: &mut SrtpOutbound, presses: Vec<Vec<u8>>| {
        for p in presses {
            let wire = out.protect_rtp(&p).unwrap();
            far_end.send_to(&wire, ("127.0.0.1", our_port)).unwrap();
        }
    };
    let mut heard = None;
    for round in 0..20u16 {
        send(
            &mut from_them_now,
            press(2, 300 + 10 * round, 16_000 + 800 * u32::from(round)),
        );
        heard = next_digit(&mut events, Duration::from_millis(500)).await;
        if heard.is_some() {
            break;
        }
    }
    assert_eq!(heard, Some(Digit::D2), "a press under the new key");

    // Key 3 under the old key is dropped; key 4 under the new one, sent after it, is the
    // next press heard.
    send(&mut from_them, press(3, 600, 40_000));
    send(&mut from_them_now, press(4, 700, 48_000));
    let next = next_digit(&mut events, Duration::from_secs(5)).await;
    assert_eq!(next, Some(Digit::D4), "the old key's press is not taken");
    let stats = stream.close().await;
    assert!(stats.received.srtp_rejected >= 10, "{stats:?}");
    assert!(stats.received.packets >= 15, "{stats:?}");
    assert_eq!(stats.send_errors, 0, "{stats:?}");
}
