//! RTCP into the media engine: a receiver report about our stream, sent by the far end to our
//! odd port, ends up in the stream's figures; a malformed datagram on that port is counted
//! and ignored, and the stream carries on.

use std::time::Duration;

use tokio::net::UdpSocket;
use voice_otp_rtp::{
    Codec, EngineConfig, MediaEngine, PayloadType, ReportBlock, Ssrc, StreamConfig, parse_rtp,
    write_receiver_report,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receiver_report_reaches_the_stream_stats() {
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut config = EngineConfig::new("41600-41619".parse().unwrap());
    config.bind_ip = "127.0.0.1".parse().unwrap();
    config.workers = 1;
    let engine = MediaEngine::start(config).unwrap();
    let local = engine.reserve().unwrap();
    let our_rtcp = local.rtcp_port();
    let (stream, _events) = engine
        .open_stream(StreamConfig {
            local,
            remote: peer.local_addr().unwrap(),
            remote_rtcp: None,
            codec: Codec::Pcma,
            payload_type: PayloadType::PCMA,
            telephone_event: None,
            seed: 3,
            latching: false,
        })
        .await
        .unwrap();
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
