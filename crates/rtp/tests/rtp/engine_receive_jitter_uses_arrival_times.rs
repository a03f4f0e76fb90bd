//! The engine's pacers take a stream's incoming packets only every third packet they send
//! (60 ms), yet the RFC 3550 jitter in the stream's figures is that of the far end's sending,
//! because each datagram carries the kernel's arrival time. Stamped at pick-up instead, a
//! steady 20 ms stream would look like gaps of 0, 0 and 60 ms: jitter of ~20 ms.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use crate::common::engine::{loopback_engine, pcma_to};

const PACKETS: u16 = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_steady_far_end_shows_near_zero_jitter() {
    let far_end = UdpSocket::bind("127.0.0.1:0").unwrap();
    let engine = loopback_engine("41540-41559", 1);
    let config = pcma_to(&engine, far_end.local_addr().unwrap(), 3);
    let our_port = config.local.rtp_port();
    let (stream, _events) = engine.open_stream(config).await.unwrap();

    // The far end talks: PCMA every 20 ms on its own clock (a real-time sender, so real
    // sleeps to absolute deadlines).
    let talker = std::thread::spawn(move || {
        let start = Instant::now();
        for i in 0..PACKETS {
            let due = start + Duration::from_millis(20) * u32::from(i);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            let ts = 1000u32 + 160 * u32::from(i);
            let mut pkt = vec![0x80, 8];
            pkt.extend_from_slice(&(100 + i).to_be_bytes());
            pkt.extend_from_slice(&ts.to_be_bytes());
            pkt.extend_from_slice(&0x1234_5678u32.to_be_bytes());
            pkt.extend_from_slice(&[0xd5; 160]);
            far_end.send_to(&pkt, ("127.0.0.1", our_port)).unwrap();
        }
    });
    tokio::task::spawn_blocking(move || talker.join().unwrap())
        .await
        .unwrap();
    let stats = stream.close().await;
    assert_eq!(stats.received.packets, u64::from(PACKETS), "{stats:?}");
    assert_eq!(stats.received.lost, 0);
    assert!(
        // Loose enough for a busy machine, still well below what pick-up times give.
        stats.received.jitter < Duration::from_millis(10),
        "jitter {:?} (pick-up times instead of arrival times give ~20 ms)",
        stats.received.jitter
    );
}
