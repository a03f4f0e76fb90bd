//! A real call end to end at the media level: SIPp answers and points our RTP at a test
//! "phone" socket. The phone hears the code's exact A-law frames, presses 1 (RFC 4733)
//! during the replay wait, hears the same frames a second time, with silence (not a
//! gap in the stream) while it waited; then the call is hung up. Result 10,
//! `code_read_count` 2, `replays` 1, `dtmf` "1".

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::sipp::{FINISH, Sipp, bare_otp_spec, repo, runner};
use tokio::net::UdpSocket;
use tokio::sync::{oneshot, watch};
use voice_otp_call::{CallSpec, ResultCode};
use voice_otp_media::{AudioRoot, CodeType, EspeakNg, G711Law, RenderConfig, Renderer, Voice};

const CODE: &str = "12";
const WAIT_BEFORE_PRESS: Duration = Duration::from_millis(1_000);

fn spec() -> CallSpec {
    CallSpec {
        call_id: "7d1e2f30-aaaa-4bbb-8ccc-0123456789ab".to_owned(),
        ..bare_otp_spec(CODE, Duration::from_secs(3))
    }
}

struct Heard {
    /// (sequence number, payload) of every PCMA packet.
    audio: Vec<(u16, Vec<u8>)>,
    /// Sequence number of the last audio packet received before the press was sent.
    last_before_press: u16,
}

/// RFC 4733 packets for one press of `1`: five updates, then the end three times.
fn telephone_event_packets() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let ssrc = 0x1234_5678u32.to_be_bytes();
    let ts = 4_000u32.to_be_bytes();
    for i in 0..8u16 {
        let end = i >= 5;
        let duration = if end { 6 * 160 } else { (i + 1) * 160 };
        let mut p = vec![0x80, if i == 0 { 0x80 | 101 } else { 101 }];
        p.extend_from_slice(&(100 + i).to_be_bytes());
        p.extend_from_slice(&ts);
        p.extend_from_slice(&ssrc);
        p.push(1); // event: key 1
        p.push(if end { 0x80 | 10 } else { 10 });
        p.extend_from_slice(&duration.to_be_bytes());
        out.push(p);
    }
    out
}

/// Listens, presses 1 `press_after` after the first audio packet, keeps listening until
/// told to stop.
async fn phone(socket: UdpSocket, press_after: Duration, stop: oneshot::Receiver<()>) -> Heard {
    let mut heard = Heard {
        audio: Vec::new(),
        last_before_press: 0,
    };
    let mut buf = [0u8; 2048];
    let mut first: Option<(Instant, SocketAddr)> = None;
    let mut pressed = false;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return heard,
            r = socket.recv_from(&mut buf) => {
                let (n, from) = r.unwrap();
                if n < 12 || buf[1] & 0x7f != 8 {
                    continue;
                }
                let seq = u16::from_be_bytes([buf[2], buf[3]]);
                heard.audio.push((seq, buf[12..n].to_vec()));
                let (t0, ours) = *first.get_or_insert((Instant::now(), from));
                if !pressed && t0.elapsed() >= press_after {
                    pressed = true;
                    heard.last_before_press = seq;
                    for p in telephone_event_packets() {
                        socket.send_to(&p, ours).await.unwrap();
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
        }
    }
}

/// Positions (in packets) where `frames` start back to back in `audio`.
fn occurrences(audio: &[(u16, Vec<u8>)], frames: &[&[u8]]) -> Vec<usize> {
    (0..audio.len().saturating_sub(frames.len() - 1))
        .filter(|&i| {
            frames
                .iter()
                .enumerate()
                .all(|(k, f)| audio[i + k].1.as_slice() == *f)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn press_in_the_wait_reads_the_same_audio_again() {
    // The exact frames the call must stream for one reading.
    let renderer = Renderer::new(
        AudioRoot::new(None, repo().join("audio")),
        Arc::new(EspeakNg::new()),
        RenderConfig::default(),
    );
    let rendered = renderer
        .render_code(CODE, CodeType::Default, &Voice::default())
        .unwrap();
    let alaw = rendered.g711(G711Law::Alaw).clone();
    let frames: Vec<&[u8]> = alaw.chunks(160).collect();
    let reading = rendered.duration();

    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port().to_string();
    let mut sipp = Sipp::uas(repo().join("fixtures/call/uas_answer_media_to.xml"))
        .args(["-set", "rtpport", &port])
        .start()
        .await;
    let (runner, _sip) = runner(&sipp, 43_800).await;
    let (stop_tx, stop_rx) = oneshot::channel();
    let phone = tokio::spawn(phone(socket, reading + WAIT_BEFORE_PRESS, stop_rx));

    let (_tx, shutdown) = watch::channel(false);
    let outcome = tokio::time::timeout(
        Duration::from_secs(30),
        runner.run(spec(), Box::new(|_| {}), shutdown),
    )
    .await
    .expect("the call ends");
    let _ = stop_tx.send(());
    let mut heard = phone.await.unwrap();
    assert_eq!(sipp.finish(FINISH).await, 0, "SIPp saw our BYE");

    assert_eq!(outcome.result, ResultCode::Finished, "{outcome:?}");
    assert_eq!(outcome.dtmf, "1");
    assert_eq!(outcome.replays, 1);
    assert_eq!(outcome.code_read_count, 2);

    // Loopback keeps order, but sort by sequence number to be sure.
    let base = heard.audio[0].0;
    heard.audio.sort_by_key(|(seq, _)| seq.wrapping_sub(base));
    let found = occurrences(&heard.audio, &frames);
    assert_eq!(
        found.len(),
        2,
        "the reading's frames were heard twice: {found:?}"
    );

    // Between the readings: the stream kept flowing, in silence, for the wait.
    let silence = G711Law::Alaw.silence();
    let between = &heard.audio[found[0] + frames.len()..found[1]];
    assert!(
        between.iter().all(|(_, p)| p.iter().all(|&b| b == silence)),
        "only silence between the readings"
    );
    let waited = between.len() as u32 * 20;
    assert!(
        waited >= WAIT_BEFORE_PRESS.as_millis() as u32 * 8 / 10,
        "{waited} ms of silence packets while waiting"
    );
    // The second reading started after the press, not before.
    let press_index = heard
        .audio
        .iter()
        .position(|(seq, _)| *seq == heard.last_before_press)
        .unwrap();
    assert!(found[1] > press_index);
}
