//! Symmetric RTP through the media engine: the SDP address is dead, the far end's first
//! packet comes from elsewhere (as behind NAT); the stream reports the latch and from then
//! on sends its audio to that address.

use std::time::Duration;

use tokio::net::UdpSocket;
use voice_otp_rtp::{
    Codec, EngineConfig, Latching, MediaEngine, PayloadType, StreamConfig, StreamEvent, parse_rtp,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_packet_source_becomes_the_destination() {
    let nat = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let dead = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut config = EngineConfig::new("41500-41519".parse().unwrap());
    config.bind_ip = "127.0.0.1".parse().unwrap();
    config.workers = 1;
    let engine = MediaEngine::start(config).unwrap();
    let local = engine.reserve().unwrap();
    let our_port = local.rtp_port();
    let (stream, mut events) = engine
        .open_stream(StreamConfig {
            local,
            remote: dead.local_addr().unwrap(),
            remote_rtcp: None,
            codec: Codec::Pcmu,
            payload_type: PayloadType::PCMU,
            telephone_event: PayloadType::new(101),
            seed: 9,
            latching: Latching::Symmetric,
            srtp: None,
        })
        .await
        .unwrap();
    // Before latching our packets go to the SDP address.
    let mut buf = [0u8; 1500];
    let (n, _) = tokio::time::timeout(Duration::from_secs(2), dead.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let ssrc = parse_rtp(&buf[..n]).unwrap().ssrc;

    let mut pkt = vec![0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1];
    pkt.extend_from_slice(&[0xff; 160]);
    nat.send_to(&pkt, ("127.0.0.1", our_port)).await.unwrap();
    let ev = tokio::time::timeout(Duration::from_secs(2), events.recv())
        .await
        .unwrap();
    assert_eq!(
        ev,
        Some(StreamEvent::RemoteLatched(nat.local_addr().unwrap()))
    );

    // Now our stream arrives at the NATed address, same SSRC, continuing.
    let (n, _) = tokio::time::timeout(Duration::from_secs(2), nat.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(parse_rtp(&buf[..n]).unwrap().ssrc, ssrc);
    let stats = stream.close().await;
    assert_eq!(stats.received.packets, 1);
}
