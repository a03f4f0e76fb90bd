//! SRTP through the sans-IO pieces: what one side protects the other unprotects with the
//! same key, for both suites and for RTCP; the payload on the wire is not the plain one; a
//! replayed or forged packet is refused; and an SRTP receiver still decodes RFC 4733 and
//! in-band key presses, while a plain packet from the right source is dropped and counted.
//! A re-keyed receiver takes only the new key; a plain receiver cannot be re-keyed.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::common::packets::{event, rtp, tone};
use voice_otp_dtmf::{Digit, DtmfSource};
use voice_otp_media::G711Law;
use voice_otp_rtp::{
    Codec, Latching, PayloadType, ReceiverConfig, ReceiverEvent, RtpError, RtpReceiver,
    SrtpInbound, SrtpOutbound, SrtpSuite, parse_rtp,
};

const KEY: [u8; 30] = [
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
    0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
];

fn peer() -> SocketAddr {
    "127.0.0.1:40010".parse().unwrap()
}

#[test]
fn both_suites_round_trip_rtp_and_rtcp_and_hide_the_payload() {
    for suite in SrtpSuite::ALL {
        let mut tx = SrtpOutbound::new(suite, &KEY).unwrap();
        let mut rx = SrtpInbound::new(suite, &KEY).unwrap();
        for seq in [65_534u16, 65_535, 0, 1] {
            let plain = rtp(8, false, seq, 160 * u32::from(seq), 7, &[0x55; 160]);
            let wire = tx.protect_rtp(&plain).unwrap();
            assert_eq!(wire.len(), plain.len() + suite.rtp_overhead());
            assert_eq!(wire[..12], plain[..12], "the header stays in clear");
            assert_ne!(wire[12..172], plain[12..], "the payload does not");
            assert_eq!(rx.unprotect_rtp(&wire).unwrap()[..], plain[..], "{suite:?}");
        }
        // An RTCP receiver report with no blocks: 8 bytes.
        let report = [0x80, 201, 0, 1, 0, 0, 0, 7];
        let wire = tx.protect_rtcp(&report).unwrap();
        assert_eq!(rx.unprotect_rtcp(&wire).unwrap()[..], report[..]);
    }
}

#[test]
fn replays_and_forgeries_are_refused() {
    let suite = SrtpSuite::Aes128CmHmacSha1_80;
    let mut tx = SrtpOutbound::new(suite, &KEY).unwrap();
    let mut rx = SrtpInbound::new(suite, &KEY).unwrap();
    let packets: Vec<_> = (1..=200u16)
        .map(|seq| {
            tx.protect_rtp(&rtp(8, false, seq, 0, 7, &[0x55; 160]))
                .unwrap()
        })
        .collect();
    // Out of order within the window is fine, once.
    assert!(rx.unprotect_rtp(&packets[199]).is_ok());
    assert!(rx.unprotect_rtp(&packets[150]).is_ok());
    assert!(matches!(
        rx.unprotect_rtp(&packets[150]),
        Err(RtpError::SrtpReplay)
    ));
    assert!(matches!(
        rx.unprotect_rtp(&packets[199]),
        Err(RtpError::SrtpReplay)
    ));
    // Older than the window.
    assert!(matches!(
        rx.unprotect_rtp(&packets[0]),
        Err(RtpError::SrtpReplay)
    ));
    let mut forged = packets[198].to_vec();
    forged[40] ^= 0x80;
    assert!(matches!(rx.unprotect_rtp(&forged), Err(RtpError::SrtpAuth)));
    // The forged copy did not burn the real one's place in the window.
    assert!(rx.unprotect_rtp(&packets[198]).is_ok());

    let report = [0x80, 201, 0, 1, 0, 0, 0, 7];
    let wire = tx.protect_rtcp(&report).unwrap();
    assert!(rx.unprotect_rtcp(&wire).is_ok());
    assert!(matches!(
        rx.unprotect_rtcp(&wire),
        Err(RtpError::SrtpReplay)
    ));
}

fn receiver(now: Instant) -> RtpReceiver {
    plain_receiver(now).with_srtp(SrtpInbound::new(SrtpSuite::Aes128CmHmacSha1_32, &KEY).unwrap())
}

fn plain_receiver(now: Instant) -> RtpReceiver {
    RtpReceiver::new(
        ReceiverConfig {
            codec: Codec::Pcma,
            payload_type: PayloadType::PCMA,
            telephone_event: PayloadType::new(101),
            remote: peer(),
            latching: Latching::Strict,
        },
        now,
    )
}

fn digits(r: &mut RtpReceiver) -> Vec<(Digit, DtmfSource)> {
    std::iter::from_fn(|| r.poll_event())
        .filter_map(|e| match e {
            ReceiverEvent::Dtmf(d) => Some((d.digit, d.source)),
            _ => None,
        })
        .collect()
}

#[test]
fn an_srtp_receiver_hears_keys_both_ways_and_drops_plain_packets() {
    let t0 = Instant::now();
    let mut r = receiver(t0);
    let mut tx = SrtpOutbound::new(SrtpSuite::Aes128CmHmacSha1_32, &KEY).unwrap();
    let mut seq = 100u16;
    let mut send = |r: &mut RtpReceiver, at: Instant, packet: Vec<u8>| {
        let wire = tx.protect_rtp(&packet).unwrap();
        r.handle_datagram(at, peer(), &wire)
    };
    // Key 1 as telephone-events (start, updates, end sent three times).
    for k in 1..=5u16 {
        let at = t0 + Duration::from_millis(20) * u32::from(k);
        let end = k >= 3;
        let payload = event(1, end, 10, 160 * k.min(3));
        send(&mut r, at, rtp(101, k == 1, seq, 8000, 1, &payload)).unwrap();
        seq += 1;
    }
    assert_eq!(digits(&mut r), [(Digit::D1, DtmfSource::Rfc4733)]);

    // Key 5 in-band: 200 ms of silence, 120 ms of 770 + 1336 Hz, silence.
    let law = G711Law::Alaw;
    let mut pcm = vec![0i16; 160 * 26];
    pcm[1600..2560].copy_from_slice(&tone(770.0, 1336.0, 960, 0));
    let frames: Vec<Vec<u8>> = pcm
        .chunks(160)
        .map(|c| {
            let mut f = vec![0u8; 160];
            law.encode_slice(c, &mut f);
            f
        })
        .collect();
    for (i, f) in frames.iter().enumerate() {
        let at = t0 + Duration::from_millis(200 + 20 * i as u64);
        let ts = 16_000 + 160 * i as u32;
        send(&mut r, at, rtp(8, false, seq, ts, 1, f)).unwrap();
        seq += 1;
    }
    assert_eq!(digits(&mut r), [(Digit::D5, DtmfSource::InBand)]);

    // The same audio in clear from the right source is not taken.
    let at = t0 + Duration::from_secs(2);
    let plain = rtp(8, false, seq, 99_000, 1, &frames[12]);
    assert!(parse_rtp(&plain).is_ok());
    assert!(r.handle_datagram(at, peer(), &plain).is_err());
    let stats = r.stats();
    assert_eq!(stats.srtp_rejected, 1);
    assert_eq!(stats.packets, 5 + frames.len() as u64);
}

#[test]
fn a_rekeyed_receiver_takes_only_the_new_key_and_a_plain_one_stays_plain() {
    let t0 = Instant::now();
    let suite = SrtpSuite::Aes128CmHmacSha1_32;
    let mut r = receiver(t0);
    let mut old = SrtpOutbound::new(suite, &KEY).unwrap();
    let new_key = [0x5a; 30];
    let mut new = SrtpOutbound::new(suite, &new_key).unwrap();
    let frame = [0xd5u8; 160];
    let at = |i: u64| t0 + Duration::from_millis(20 * i);
    let packet = |seq: u16| rtp(8, false, seq, u32::from(seq) * 160, 1, &frame);
    r.handle_datagram(at(1), peer(), &old.protect_rtp(&packet(1)).unwrap())
        .unwrap();
    assert!(r.rekey_srtp(SrtpInbound::new(suite, &new_key).unwrap()));
    let stale = old.protect_rtp(&packet(2)).unwrap();
    assert!(matches!(
        r.handle_datagram(at(2), peer(), &stale),
        Err(RtpError::SrtpAuth)
    ));
    // The far end's counters start again with its new key (RFC 4568 7.1.4).
    r.handle_datagram(at(3), peer(), &new.protect_rtp(&packet(3)).unwrap())
        .unwrap();
    let stats = r.stats();
    assert_eq!((stats.packets, stats.srtp_rejected), (2, 1));

    let mut plain = plain_receiver(t0);
    assert!(!plain.rekey_srtp(SrtpInbound::new(suite, &new_key).unwrap()));
    assert!(plain.handle_datagram(at(4), peer(), &packet(4)).is_ok());
}
