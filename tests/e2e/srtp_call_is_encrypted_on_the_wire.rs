//! Issue 13 section 2 against the real `voice-otp serve` with `[rtp] srtp = "optional"`: the
//! built-in phone is the trunk and answers the `RTP/SAVP` offer with SDES, hears the code,
//! presses 1 (RFC 4733, inside SRTP), and the callback says 10 with dtmf "1".
//!
//! The phone's media goes through a UDP relay in the test (the phone's SDP names the relay,
//! and the phone sends through it), which keeps every datagram the daemon put on the wire.
//! No RTP payload among them may equal a 20 ms frame of the plain G.711 audio the phone
//! heard after decryption, i.e. of the rendering of the code: with plain RTP every one would.

use std::collections::HashSet;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use voice_otp_media::G711Law;
use voice_otp_phone::{Phone, PhoneConfig};
use voice_otp_sip::{Codec, CryptoSuite};
use voice_otp_suite::e2e::*;

/// Bytes of the SRTP authentication tag of `AES_CM_128_HMAC_SHA1_80`.
const TAG_80: usize = 10;

/// Forwards the daemon's datagrams to the phone and the phone's to the daemon, until `stop`
/// (at most 90 s); returns every datagram that came from the daemon, as it was on the wire.
fn relay(socket: UdpSocket, phone: SocketAddr, stop: Arc<AtomicBool>) -> Vec<Vec<u8>> {
    socket
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let begin = Instant::now();
    let mut daemon: Option<SocketAddr> = None;
    let mut wire = Vec::new();
    let mut buf = [0u8; 2048];
    while !stop.load(Ordering::Relaxed) && begin.elapsed() < Duration::from_secs(90) {
        let Ok((n, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        if from == phone {
            if let Some(d) = daemon {
                let _ = socket.send_to(&buf[..n], d);
            }
        } else {
            daemon = Some(from);
            wire.push(buf[..n].to_vec());
            let _ = socket.send_to(&buf[..n], phone);
        }
    }
    wire
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srtp_call_presses_1_and_no_plain_audio_crosses_the_wire() {
    let dir = tempfile::tempdir().unwrap();
    let relay_socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let phone = Phone::bind(PhoneConfig {
        press: "1".to_owned(),
        media_via: Some(relay_socket.local_addr().unwrap()),
        invite_within: Duration::from_secs(30),
        max_call: Duration::from_secs(90),
        ..PhoneConfig::default()
    })
    .await
    .unwrap();
    let phone_rtp = phone.rtp_addr().unwrap();
    let mut config = DaemonConfig::new(dir.path(), phone.sip_addr().unwrap());
    config
        .env
        .push(("VOICE_OTP_RTP_SRTP".to_owned(), "optional".to_owned()));
    let daemon = Daemon::start(config).await;
    let receiver = Receiver::start(&[]).await;

    let stop = Arc::new(AtomicBool::new(false));
    let relaying = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || relay(relay_socket, phone_rtp, stop))
    };
    let phone_call = tokio::spawn(phone.run());
    let mut body = otp_body("48291735", &receiver.url());
    body["max-replays"] = json!(1);
    daemon.otp_call(&body).await;

    let got = receiver.wait_for(1, Duration::from_secs(90)).await;
    let event = got[0].json();
    let report = tokio::time::timeout(Duration::from_secs(30), phone_call)
        .await
        .expect("the phone ends with the call")
        .unwrap()
        .expect("the phone took the call");
    stop.store(true, Ordering::Relaxed);
    let wire = tokio::task::spawn_blocking(move || relaying.join().unwrap())
        .await
        .unwrap();

    assert_eq!(event["result"]["code"], 10, "{event}\n{}", daemon.logs());
    assert_eq!(event["dtmf"], "1", "{event}");
    assert_eq!(report.srtp, Some(CryptoSuite::Aes128CmHmacSha1_80));
    assert_eq!(report.pressed, "1");
    assert_eq!(report.codec, Codec::Pcma);
    assert!(report.packets_received > 200, "{}", report.packets_received);

    // The plain rendering, as G.711 A-law (decoding and encoding A-law is lossless), and
    // every 20 ms window of it.
    let law = G711Law::Alaw;
    assert!((0..=255u8).all(|c| law.encode(law.decode(c)) == c));
    let mut plain = vec![0u8; report.heard.len()];
    law.encode_slice(&report.heard, &mut plain);
    let frames: HashSet<&[u8]> = plain.windows(160).collect();
    let loud = plain
        .chunks(160)
        .filter(|f| f.iter().any(|&c| law.decode(c).unsigned_abs() > 2000))
        .count();
    assert!(loud > 50, "the phone heard the reading: {loud} loud frames");

    let rtp: Vec<&Vec<u8>> = wire
        .iter()
        .filter(|d| d.len() == 12 + 160 + TAG_80 && d[0] >> 6 == 2 && d[1] & 0x7f == 8)
        .collect();
    assert!(
        rtp.len() > 200,
        "SRTP audio packets on the wire: {}",
        rtp.len()
    );
    for d in &rtp {
        let payload = &d[12..12 + 160];
        assert!(
            !frames.contains(payload),
            "an RTP payload on the wire is plain G.711 of the reading"
        );
    }
}
