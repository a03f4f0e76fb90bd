//! Key presses reach the receiver's events: telephone-event packets through the RFC 4733
//! tracker (including one whose end packets are lost), and tones inside G.711 audio through
//! the in-band detector; a press sent both ways is reported by both sources on one timeline,
//! so the call's merger counts it once.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::common::packets::{event, rtp, tone};
use voice_otp_dtmf::{Digit, DtmfEvent, DtmfMerger, DtmfSource, MERGE_WINDOW};
use voice_otp_media::G711Law;
use voice_otp_rtp::{Codec, Latching, PayloadType, ReceiverConfig, ReceiverEvent, RtpReceiver};

fn receiver(now: Instant) -> RtpReceiver {
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

fn peer() -> SocketAddr {
    "127.0.0.1:40010".parse().unwrap()
}

fn presses(r: &mut RtpReceiver) -> Vec<DtmfEvent> {
    std::iter::from_fn(|| r.poll_event())
        .filter_map(|e| match e {
            ReceiverEvent::Dtmf(d) => Some(d),
            _ => None,
        })
        .collect()
}

fn digits(r: &mut RtpReceiver) -> Vec<(Digit, DtmfSource)> {
    presses(r).iter().map(|d| (d.digit, d.source)).collect()
}

/// Sends 1 s of A-law audio, 200 ms of silence, 120 ms of '1', silence, its first packet
/// at `first`.
fn send_tone_one(r: &mut RtpReceiver, first: Instant) {
    let mut pcm = vec![0i16; 8000];
    pcm[1600..2560].copy_from_slice(&tone(697.0, 1209.0, 960, 0));
    for (i, frame) in pcm.chunks(160).enumerate() {
        let mut enc = [0u8; 160];
        G711Law::Alaw.encode_slice(frame, &mut enc);
        let at = first + Duration::from_millis(20) * i as u32;
        r.handle_datagram(
            at,
            peer(),
            &rtp(8, false, i as u16, 160 * i as u32, 2, &enc),
        )
        .unwrap();
    }
}

#[test]
fn telephone_events_yield_the_digit_once() {
    let t0 = Instant::now();
    let mut r = receiver(t0);
    let ts = 8000;
    let mut seq = 100;
    for k in 1..=5u16 {
        let at = t0 + Duration::from_millis(20) * u32::from(k);
        r.handle_datagram(
            at,
            peer(),
            &rtp(101, k == 1, seq, ts, 1, &event(1, false, 10, 160 * k)),
        )
        .unwrap();
        seq += 1;
    }
    // The end packet, sent three times as RFC 4733 recommends.
    for _ in 0..3 {
        let at = t0 + Duration::from_millis(120);
        r.handle_datagram(
            at,
            peer(),
            &rtp(101, false, seq, ts, 1, &event(1, true, 10, 960)),
        )
        .unwrap();
        seq += 1;
    }
    assert_eq!(digits(&mut r), vec![(Digit::D1, DtmfSource::Rfc4733)]);
}

#[test]
fn a_press_whose_end_packets_are_lost_ends_on_timeout() {
    let t0 = Instant::now();
    let mut r = receiver(t0);
    r.handle_datagram(
        t0,
        peer(),
        &rtp(101, true, 1, 0, 1, &event(9, false, 10, 160)),
    )
    .unwrap();
    assert!(digits(&mut r).is_empty());
    let deadline = r.poll_timeout().expect("the tracker waits for the end");
    r.handle_timeout(deadline);
    assert_eq!(digits(&mut r), vec![(Digit::D9, DtmfSource::Rfc4733)]);
}

#[test]
fn inband_tone_in_alaw_audio_yields_the_digit() {
    let t0 = Instant::now();
    let mut r = receiver(t0);
    send_tone_one(&mut r, t0);
    assert_eq!(digits(&mut r), vec![(Digit::D1, DtmfSource::InBand)]);
}

#[test]
fn inband_presses_are_timed_from_the_receiver_start_not_the_first_sample() {
    let t0 = Instant::now();
    let mut r = receiver(t0);
    // The first audio arrives 2 s after the answer; the tone starts 200 ms into it.
    send_tone_one(&mut r, t0 + Duration::from_secs(2));
    let got = presses(&mut r);
    assert_eq!(got.len(), 1, "{got:?}");
    let start = got[0].start;
    assert!(
        start.abs_diff(Duration::from_millis(2_200)) <= Duration::from_millis(30),
        "{start:?}"
    );
}

#[test]
fn the_same_press_in_band_and_as_events_counts_once() {
    let t0 = Instant::now();
    let mut r = receiver(t0);
    let mut pcm = vec![0i16; 8000];
    pcm[1600..2560].copy_from_slice(&tone(697.0, 1209.0, 960, 0));
    let mut seq = 0u16;
    for (i, frame) in pcm.chunks(160).enumerate() {
        let at = t0 + Duration::from_millis(20) * i as u32;
        let mut enc = [0u8; 160];
        G711Law::Alaw.encode_slice(frame, &mut enc);
        r.handle_datagram(at, peer(), &rtp(8, false, seq, 160 * i as u32, 2, &enc))
            .unwrap();
        seq = seq.wrapping_add(1);
        // Events for the press that starts at 200 ms, alongside the audio.
        if (11..=16).contains(&i) {
            let dur = (160 * (i - 10)) as u16;
            let end = i == 16;
            r.handle_datagram(
                at,
                peer(),
                &rtp(101, i == 11, seq, 1600, 2, &event(1, end, 10, dur)),
            )
            .unwrap();
            seq = seq.wrapping_add(1);
        }
    }
    r.finish(t0 + Duration::from_secs(1));
    let both = presses(&mut r);
    let sources: Vec<_> = both.iter().map(|p| p.source).collect();
    assert!(sources.contains(&DtmfSource::InBand), "{both:?}");
    assert!(sources.contains(&DtmfSource::Rfc4733), "{both:?}");
    assert!(
        both[0].start.abs_diff(both[1].start) <= MERGE_WINDOW,
        "{both:?}"
    );
    let mut merger = DtmfMerger::new();
    for press in both {
        merger.handle_event(press);
    }
    let got: Vec<_> = std::iter::from_fn(|| merger.poll_event()).collect();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].digit, Digit::D1);
}
