//! `MediaEngine::packet_totals` counts RTP packets of streams that are still running (what
//! a metrics scrape during calls needs), and at the end agrees with the streams' own figures.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use crate::common::engine::{loopback_engine, pcma_to};
use voice_otp_rtp::{PayloadType, parse_rtp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totals_grow_while_a_stream_runs_and_match_its_figures() {
    let far_end = UdpSocket::bind("127.0.0.1:0").unwrap();
    far_end
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let engine = loopback_engine("41580-41599", 2);
    assert_eq!(engine.packet_totals().sent, 0);
    let (stream, _events) = engine
        .open_stream(pcma_to(&engine, far_end.local_addr().unwrap(), 11))
        .await
        .unwrap();

    // The far end answers each of our first 20 packets with one of its own.
    let echo = std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        for _ in 0..20 {
            let (n, from) = far_end.recv_from(&mut buf).expect("our packet");
            let ours = parse_rtp(&buf[..n]).unwrap();
            assert_eq!(ours.payload_type, PayloadType::PCMA);
            buf[8..12].copy_from_slice(&0x0bad_cafeu32.to_be_bytes());
            far_end.send_to(&buf[..n], from).unwrap();
        }
    });
    tokio::task::spawn_blocking(move || echo.join().unwrap())
        .await
        .unwrap();

    // Still running: the totals already show both directions (the pacer looks at incoming
    // packets every third packet it sends, so wait up to a few packet times for the last).
    let until = Instant::now() + Duration::from_secs(2);
    let live = loop {
        let t = engine.packet_totals();
        if t.received >= 20 || Instant::now() > until {
            break t;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(live.sent >= 20, "{live:?}");
    assert_eq!(live.received, 20, "{live:?}");

    let stats = stream.close().await;
    let end = engine.packet_totals();
    assert_eq!(end.sent, stats.sent.packets);
    assert_eq!(end.received, stats.received.packets);
    assert_eq!(end.received, 20);
}
