//! A stream whose every send fails (its remote is an IPv6 address on an IPv4 socket) only
//! counts errors; the other stream on the same pacing worker keeps its full 50 packets/s.

use std::time::Duration;

use crate::common::engine::{loopback_engine, pcma_to};
use tokio::net::UdpSocket;
use voice_otp_rtp::{Codec, PayloadType, StreamConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_stream_does_not_stall_the_healthy_one() {
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let engine = loopback_engine("41400-41419", 1);
    let open = |remote| {
        engine.open_stream(StreamConfig {
            codec: Codec::Pcmu,
            payload_type: PayloadType::PCMU,
            ..pcma_to(&engine, remote, 5)
        })
    };
    let (bad, _bad_events) = open("[::1]:9".parse().unwrap()).await.unwrap();
    let (good, _good_events) = open(peer.local_addr().unwrap()).await.unwrap();
    let counter = tokio::spawn(async move {
        let mut n = 0u32;
        let mut buf = [0u8; 1500];
        while let Ok(Ok(_)) =
            tokio::time::timeout(Duration::from_millis(500), peer.recv_from(&mut buf)).await
        {
            n += 1;
        }
        n
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    let bad_stats = bad.close().await;
    let good_stats = good.close().await;
    let received = counter.await.unwrap();
    assert!(bad_stats.sent.packets >= 45, "{bad_stats:?}");
    // Every RTP send failed (the RTCP BYE counts too).
    assert!(
        bad_stats.send_errors >= bad_stats.sent.packets,
        "{bad_stats:?}"
    );
    assert!(good_stats.sent.packets >= 45, "{good_stats:?}");
    assert_eq!(good_stats.send_errors, 0);
    assert_eq!(u64::from(received), good_stats.sent.packets);
}
