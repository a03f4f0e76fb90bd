//! Over real loopback sockets: a rendered OTP reading (default prompt and code through the
//! media crate's renderer) played on a stream arrives complete, in order and paced at 20 ms;
//! closing sends an RTCP BYE to the odd port and the figures match what the peer saw.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::engine::{loopback_engine, pcma_to};
use tokio::net::UdpSocket;
use voice_otp_media::{AudioRoot, CodeType, EspeakNg, G711Law, RenderConfig, Renderer, Voice};
use voice_otp_rtp::{
    PayloadType, PlayId, Ssrc, StreamConfig, StreamEvent, parse_compound, parse_rtp,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rendered_reading_arrives_complete_and_in_order() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../audio");
    let renderer = Renderer::new(
        AudioRoot::new(None, root),
        Arc::new(EspeakNg::new()),
        RenderConfig::default(),
    );
    let reading = renderer
        .render_code("7A35", CodeType::Default, &Voice::default())
        .unwrap();
    let frames = reading.frame_count();
    assert!(
        frames > 20,
        "a reading of four characters lasts more than 0.4 s"
    );

    // The peer: RTP on an even port, RTCP on the odd one above.
    let (peer_rtp, peer_rtcp) = loop {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let p = a.local_addr().unwrap().port();
        if p % 2 == 0
            && let Ok(b) = UdpSocket::bind(("127.0.0.1", p + 1)).await
        {
            break (a, b);
        }
    };
    let peer: SocketAddr = peer_rtp.local_addr().unwrap();

    let engine = loopback_engine("41300-41319", 1);
    let (stream, mut events) = engine
        .open_stream(StreamConfig {
            telephone_event: PayloadType::new(101),
            ..pcma_to(&engine, peer, 77)
        })
        .await
        .unwrap();

    let collector = tokio::spawn(async move {
        let mut got = Vec::new();
        let mut buf = [0u8; 1500];
        while let Ok(Ok((n, _))) =
            tokio::time::timeout(Duration::from_secs(2), peer_rtp.recv_from(&mut buf)).await
        {
            got.push((Instant::now(), buf[..n].to_vec()));
        }
        got
    });
    // 100 ms of silence first, so the prompt's own talk spurt is visible.
    tokio::time::sleep(Duration::from_millis(100)).await;
    stream.play(PlayId(7), Arc::clone(&reading)).unwrap();
    let ev = tokio::time::timeout(Duration::from_secs(30), events.recv())
        .await
        .unwrap();
    assert_eq!(ev, Some(StreamEvent::PlaybackFinished(PlayId(7))));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stats = stream.close().await;
    let mut rtcp = [0u8; 1500];
    let mut bye = false;
    while let Ok(Ok((n, _))) =
        tokio::time::timeout(Duration::from_millis(500), peer_rtcp.recv_from(&mut rtcp)).await
    {
        bye |= parse_compound(&rtcp[..n], Ssrc(0)).unwrap().bye;
    }
    let got = collector.await.unwrap();

    // Everything sent arrived, in order, with consecutive sequence numbers and timestamps.
    assert_eq!(
        got.len() as u64,
        stats.sent.packets,
        "packets lost on loopback"
    );
    assert_eq!(stats.send_errors, 0);
    let views: Vec<_> = got.iter().map(|(_, d)| parse_rtp(d).unwrap()).collect();
    for w in views.windows(2) {
        assert_eq!(w[1].seq.0, w[0].seq.0.wrapping_add(1));
        assert_eq!(w[1].timestamp.0, w[0].timestamp.0.wrapping_add(160));
        assert_eq!(w[1].ssrc, w[0].ssrc);
    }
    assert_eq!(Some(views[0].ssrc), stats.ssrc);
    // The prompt starts at the second talk spurt and is carried byte for byte.
    let marks: Vec<usize> = views
        .iter()
        .enumerate()
        .filter(|(_, v)| v.marker)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(marks.len(), 2, "{marks:?}");
    let start = marks[1];
    let mut heard = Vec::new();
    for (i, (_, data)) in got[start..start + frames].iter().enumerate() {
        heard.extend_from_slice(&data[views[start + i].payload.clone()]);
    }
    assert_eq!(&heard[..], &reading.g711(G711Law::Alaw)[..]);
    assert_eq!(stats.sent.audio_packets as usize, frames);
    // Arrival spacing stays near 20 ms on average (the machine is shared, so no tight bound
    // per packet here; the load harness measures the distribution).
    let span = got.last().unwrap().0 - got[0].0;
    let mean = span / (got.len() as u32 - 1);
    assert!(
        mean > Duration::from_millis(15) && mean < Duration::from_millis(25),
        "{mean:?}"
    );
    assert!(bye, "no RTCP BYE on the odd port");
}
