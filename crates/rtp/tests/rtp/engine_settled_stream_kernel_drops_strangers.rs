//! Once a stream's target is settled the engine `connect()`s its RTP socket: the kernel drops
//! strangers' datagrams (they no longer reach the receiver, so they are not counted), and the
//! stream still talks to its far end. Before it settles (symmetric latching, a silent far
//! end, inside the window) strangers reach the receiver and are counted as rejected.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use crate::common::engine::{loopback_engine, pcma_to};
use voice_otp_rtp::{LATCH_WINDOW, Latching, MediaEngine, StreamConfig, parse_rtp};

/// A far end socket on 127.0.0.1 that gives up reading after 2 s.
fn peer(ip: &str) -> UdpSocket {
    let s = UdpSocket::bind((ip, 0)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    s
}

/// A PCMA packet of 160 bytes with `ssrc`.
fn packet(seq: u16, ssrc: u32) -> Vec<u8> {
    let mut p = vec![0x80, 8];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&[0xd5; 160]);
    p
}

/// Sends `n` packets from `from` to the stream's port, one per 5 ms.
fn spray(from: &UdpSocket, port: u16, n: u16) {
    for seq in 0..n {
        from.send_to(&packet(seq, 0x5157_0001), ("127.0.0.1", port))
            .unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits (bounded) until the far end got one of our packets; where it came from.
fn our_port(far_end: &UdpSocket) -> u16 {
    let mut buf = [0u8; 1500];
    let (n, from) = far_end.recv_from(&mut buf).expect("our packet");
    parse_rtp(&buf[..n]).unwrap();
    from.port()
}

/// Waits for the stream's pacer to have taken in `n` packets (it looks every 60 ms).
async fn wait_received(engine: &MediaEngine, n: u64) {
    let until = Instant::now() + Duration::from_secs(5);
    while engine.packet_totals().received < n && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(engine.packet_totals().received, n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strict_stream_never_sees_a_stranger() {
    let engine = loopback_engine("41620-41639", 1);
    let far_end = peer("127.0.0.1");
    let (stream, _events) = engine
        .open_stream(pcma_to(&engine, far_end.local_addr().unwrap(), 3))
        .await
        .unwrap();
    let port = our_port(&far_end);
    let stranger = peer("127.0.0.2");
    let p = packet(1, 0x0bad_cafe);
    far_end.send_to(&p, ("127.0.0.1", port)).unwrap();
    spray(&stranger, port, 40);
    wait_received(&engine, 1).await;
    let stats = stream.close().await;
    assert_eq!(stats.received.packets, 1, "{stats:?}");
    assert_eq!(stats.received.rejected_source, 0, "{stats:?}");
    assert_eq!(engine.packet_totals().rejected_source, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symmetric_stream_counts_strangers_until_its_far_end_speaks() {
    let engine = loopback_engine("41640-41659", 1);
    let far_end = peer("127.0.0.1");
    let (stream, _events) = engine
        .open_stream(StreamConfig {
            latching: Latching::Symmetric,
            ..pcma_to(&engine, far_end.local_addr().unwrap(), 4)
        })
        .await
        .unwrap();
    let port = our_port(&far_end);
    // Before the far end speaks the stream may still follow a NAT: strangers reach the
    // receiver, which counts them (another IP can never take the stream).
    let stranger = peer("127.0.0.2");
    spray(&stranger, port, 20);
    let until = Instant::now() + Duration::from_secs(5);
    while engine.packet_totals().rejected_source < 20 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(engine.packet_totals().rejected_source, 20);

    // The SDP address speaks: the target is settled and the socket connected to it.
    far_end
        .send_to(&packet(1, 0x0bad_cafe), ("127.0.0.1", port))
        .unwrap();
    wait_received(&engine, 1).await;
    spray(&stranger, port, 40);
    far_end
        .send_to(&packet(2, 0x0bad_cafe), ("127.0.0.1", port))
        .unwrap();
    wait_received(&engine, 2).await;
    let stats = stream.close().await;
    assert_eq!(stats.received.rejected_source, 20, "{stats:?}");
    // It sent to the far end over the connected socket until the close.
    far_end.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 1500];
    let mut last = None;
    while let Ok((n, from)) = far_end.recv_from(&mut buf) {
        last = Some((n, from.port()));
    }
    let (n, from) = last.expect("packets at the far end");
    assert_eq!(from, port);
    assert!(n >= 12);
    assert!(stats.sent.packets > 10, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_symmetric_stream_settles_at_the_end_of_the_window() {
    let engine = loopback_engine("41660-41679", 1);
    let far_end = peer("127.0.0.1");
    let (stream, _events) = engine
        .open_stream(StreamConfig {
            latching: Latching::Symmetric,
            ..pcma_to(&engine, far_end.local_addr().unwrap(), 5)
        })
        .await
        .unwrap();
    let opened = Instant::now();
    let port = our_port(&far_end);
    // The window ends; the next receive look (60 ms later at most) connects the socket.
    tokio::time::sleep(LATCH_WINDOW.saturating_sub(opened.elapsed()) + Duration::from_millis(300))
        .await;
    let same_ip = peer("127.0.0.1");
    spray(&same_ip, port, 40);
    far_end
        .send_to(&packet(1, 0x0bad_cafe), ("127.0.0.1", port))
        .unwrap();
    wait_received(&engine, 1).await;
    let stats = stream.close().await;
    assert_eq!(stats.received.rejected_source, 0, "{stats:?}");
    assert_eq!(stats.received.packets, 1, "{stats:?}");
}
