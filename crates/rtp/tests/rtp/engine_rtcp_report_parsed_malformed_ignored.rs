//! RTCP into the media engine: a receiver report about our stream, sent by the far end to our
//! odd port, ends up in the stream's figures; a malformed datagram on that port is counted
//! and ignored, and the stream carries on.

use std::time::Duration;

use crate::common::engine::{loopback_engine, pcma_to};
use tokio::net::UdpSocket;
use voice_otp_rtp::{ReportBlock, Ssrc, parse_rtp, write_receiver_report};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receiver_report_reaches_the_stream_stats() {
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let engine = loopback_engine("41600-41619", 1);
    let config = pcma_to(&engine, peer.local_addr().unwrap(), 3);
    let our_rtcp = config.local.rtcp_port();
    let (stream, _events) = engine.open_stream(config).await.unwrap();
    let mut buf = [0u8; 1500];
    let (n, _) = tokio::time::timeout(Duration::from_secs(2), peer.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let ssrc = parse_rtp(&buf[..n]).unwrap().ssrc;

    peer.send_to(b"\x80\xc9garbage", ("127.0.0.1", our_rtcp))
        .await
        .unwrap();
    let block = ReportBlock {
        ssrc,
        fraction_lost: 3,
        cumulative_lost: 2,
        highest_seq: 1000,
        jitter: 12,
        last_sr: 0,
        delay_since_last_sr: 0,
    };
    let mut rr = [0u8; 128];
    let len = write_receiver_report(&mut rr, Ssrc(0x0bad_cafe), &block, b"peer");
    peer.send_to(&rr[..len], ("127.0.0.1", our_rtcp))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stats = stream.close().await;
    assert_eq!(stats.remote_report, Some(block));
    assert_eq!(stats.rtcp_malformed, 1);
    assert!(stats.sent.packets >= 10);
}
