//! An SR goes out on the RTCP port about every 5 s (randomised 2.5..7.5 s) with the right
//! counts and a timestamp consistent with the RTP stream; close sends SR + SDES + BYE.
//! Receiver reports parse into loss/jitter; malformed RTCP is an error, not a panic.

use std::time::{Duration, UNIX_EPOCH};

use crate::common::Harness;
use voice_otp_rtp::{
    Codec, NtpTime, PayloadType, ReportBlock, SenderConfig, Ssrc, parse_compound,
    write_receiver_report,
};

fn harness() -> Harness {
    let mut cfg = SenderConfig::new(Codec::Pcma, PayloadType::PCMA, 99);
    cfg.wall_clock = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    Harness::with_config(cfg)
}

#[test]
fn sender_reports_every_five_seconds_or_so() {
    let mut h = harness();
    h.run_until(Duration::from_secs(60));
    assert!(
        h.rtcp.len() >= 8 && h.rtcp.len() <= 24,
        "{} SRs in 60 s",
        h.rtcp.len()
    );
    let mut prev = h.start;
    for (at, data) in &h.rtcp {
        let gap = *at - prev;
        assert!(
            gap >= Duration::from_millis(2500) && gap <= Duration::from_millis(7500),
            "{gap:?}"
        );
        prev = *at;
        let s = parse_compound(data, Ssrc(0)).unwrap();
        assert_eq!(s.sender, Some(h.sender.ssrc()));
        let info = s.sender_info.unwrap();
        // Every packet sent up to and including this instant is counted.
        let sent = h.rtp.iter().filter(|p| p.at <= *at).count() as u32;
        assert_eq!(info.packet_count, sent);
        assert_eq!(info.octet_count, sent * 160);
        // The SR's RTP timestamp matches the stream's clock at that instant.
        let first = h.rtp[0].view.timestamp.0;
        let expect = first.wrapping_add(((*at - h.start).as_micros() * 8 / 1000) as u32);
        assert_eq!(info.rtp_timestamp.0, expect);
        let wall = UNIX_EPOCH + Duration::from_secs(1_700_000_000) + (*at - h.start);
        assert_eq!(info.ntp, NtpTime::from_system_time(wall));
        assert!(!s.bye);
    }
}

#[test]
fn close_sends_bye_and_stops() {
    let mut h = harness();
    h.run_until(Duration::from_secs(1));
    let n = h.rtcp.len();
    h.sender.close(h.now);
    h.drain();
    assert_eq!(h.rtcp.len(), n + 1);
    let s = parse_compound(&h.rtcp[n].1, Ssrc(0)).unwrap();
    assert!(s.bye);
    assert_eq!(s.sender_info.unwrap().packet_count, 51);
    assert_eq!(h.sender.poll_timeout(), None);
    h.fire(h.now + Duration::from_secs(10));
    assert_eq!(h.rtp.len(), 51);
}

#[test]
fn receiver_report_about_us_round_trips() {
    let block = ReportBlock {
        ssrc: Ssrc(0xdead_beef),
        fraction_lost: 12,
        cumulative_lost: -3,
        highest_seq: 0x0001_0005,
        jitter: 77,
        last_sr: 0x1234_5678,
        delay_since_last_sr: 65536,
    };
    let mut buf = [0u8; 128];
    let n = write_receiver_report(&mut buf, Ssrc(42), &block, b"peer@example");
    let s = parse_compound(&buf[..n], Ssrc(0xdead_beef)).unwrap();
    assert_eq!(s.sender, Some(Ssrc(42)));
    assert_eq!(s.report, Some(block));
    // A report about another source is not taken as one about us.
    assert_eq!(parse_compound(&buf[..n], Ssrc(1)).unwrap().report, None);
}

#[test]
fn hand_laid_out_rr_bytes_parse() {
    // An RR with one report block, laid out byte by byte from RFC 3550 section 6.4.2
    // (independently of our writer).
    let rr: [u8; 32] = [
        0x81, 0xc9, 0x00, 0x07, 0x5c, 0x10, 0x7e, 0x2a, 0x0b, 0xad, 0xf0, 0x0d, 0x05, 0x00, 0x00,
        0x0a, 0x00, 0x00, 0x27, 0x1c, 0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00,
    ];
    let s = parse_compound(&rr, Ssrc(0x0bad_f00d)).unwrap();
    let b = s.report.unwrap();
    assert_eq!(
        (b.fraction_lost, b.cumulative_lost, b.highest_seq, b.jitter),
        (5, 10, 10012, 31)
    );
}

#[test]
fn malformed_rtcp_is_rejected() {
    let mut buf = [0u8; 128];
    let block = ReportBlock {
        ssrc: Ssrc(1),
        fraction_lost: 0,
        cumulative_lost: 0,
        highest_seq: 0,
        jitter: 0,
        last_sr: 0,
        delay_since_last_sr: 0,
    };
    let n = write_receiver_report(&mut buf, Ssrc(2), &block, b"x");
    let good = &buf[..n];
    for cut in 0..n {
        if cut != 32 {
            assert!(
                parse_compound(&good[..cut], Ssrc(1)).is_err(),
                "truncated at {cut}"
            );
        }
    }
    let mut v1 = good.to_vec();
    v1[0] = 0x41; // version 1
    assert!(parse_compound(&v1, Ssrc(1)).is_err());
    let mut sdes_first = good[32..].to_vec();
    sdes_first.extend_from_slice(&good[..32]);
    assert!(
        parse_compound(&sdes_first, Ssrc(1)).is_err(),
        "compound must start with SR/RR"
    );
    let mut long = good.to_vec();
    long[3] = 0x40; // length beyond the datagram
    assert!(parse_compound(&long, Ssrc(1)).is_err());
}
