//! RFC 3550 receive statistics: expected/lost from sequence numbers (with wrap, reordering
//! and duplicates) and interarrival jitter from arrival times against timestamps.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::common::packets::rtp;
use voice_otp_rtp::{Codec, Latching, PayloadType, ReceiverConfig, RtpReceiver};

const PEER: &str = "127.0.0.1:40000";

fn receiver(now: Instant) -> RtpReceiver {
    RtpReceiver::new(
        ReceiverConfig {
            codec: Codec::Pcmu,
            payload_type: PayloadType::PCMU,
            telephone_event: PayloadType::new(101),
            remote: PEER.parse().unwrap(),
            latching: Latching::Strict,
        },
        now,
    )
}

fn peer() -> SocketAddr {
    PEER.parse().unwrap()
}

#[test]
fn perfect_stream_has_no_loss_and_no_jitter() {
    let t0 = Instant::now();
    let mut r = receiver(t0);
    for i in 0..500u32 {
        let at = t0 + Duration::from_millis(20) * i;
        let seq = 65_400u16.wrapping_add(i as u16); // crosses the wrap
        r.handle_datagram(
            at,
            peer(),
            &rtp(0, false, seq, 1000 + 160 * i, 7, &[0xff; 160]),
        )
        .unwrap();
    }
    let s = r.stats();
    assert_eq!(s.packets, 500);
    assert_eq!(s.octets, 500 * 160);
    // The first packet is the RFC 3550 probation packet; the rest are counted.
    assert_eq!(s.expected, 499);
    assert_eq!(s.lost, 0);
    assert_eq!(s.jitter_ticks, 0);
    let block = r.report_block().unwrap();
    assert_eq!(
        block.highest_seq,
        65_536 + u32::from(65_400u16.wrapping_add(499))
    );
}

#[test]
fn lost_reordered_and_duplicate_packets_are_counted() {
    let t0 = Instant::now();
    let mut r = receiver(t0);
    let mut order: Vec<u16> = (0..100).filter(|s| s % 10 != 5).collect(); // 10 lost
    order.swap(20, 21); // reordered
    order.push(50); // duplicate
    for (k, seq) in order.iter().enumerate() {
        let at = t0 + Duration::from_millis(20) * k as u32;
        r.handle_datagram(
            at,
            peer(),
            &rtp(0, false, *seq, u32::from(*seq) * 160, 9, &[0xff; 160]),
        )
        .unwrap();
    }
    let s = r.stats();
    assert_eq!(s.expected, 99);
    // 10 lost, minus one duplicate that was counted as received.
    assert_eq!(s.lost, 9);
    let b = r.report_block().unwrap();
    assert_eq!(b.cumulative_lost, 9);
    assert!(b.fraction_lost > 0);
    // Nothing lost since the previous report.
    assert_eq!(r.report_block().unwrap().fraction_lost, 0);
}

#[test]
fn alternating_arrival_offsets_give_the_rfc_jitter() {
    let t0 = Instant::now();
    let mut r = receiver(t0);
    // Packets alternately 0 and 4 ms late: |D| = 4 ms = 32 ticks every packet, so the
    // jitter estimate converges to 32 ticks (4 ms).
    for i in 0..2000u32 {
        let late = if i % 2 == 1 {
            Duration::from_millis(4)
        } else {
            Duration::ZERO
        };
        let at = t0 + Duration::from_millis(20) * i + late;
        r.handle_datagram(
            at,
            peer(),
            &rtp(0, false, i as u16, 160 * i, 3, &[0xff; 160]),
        )
        .unwrap();
    }
    let s = r.stats();
    assert!((31..=32).contains(&s.jitter_ticks), "{}", s.jitter_ticks);
    assert!(s.jitter >= Duration::from_micros(3800) && s.jitter <= Duration::from_millis(4));
    assert_eq!(s.lost, 0);
}
