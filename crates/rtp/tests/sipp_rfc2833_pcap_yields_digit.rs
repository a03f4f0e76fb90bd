//! Over real sockets: SIPp places a call (a SIPp UAS answers with our RTP port in its SDP)
//! and plays its shipped RFC 2833 capture of a "1" key press with `play_pcap_audio`; the
//! media engine's stream reports the digit. SIPp needs root for pcap play.

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use voice_otp_dtmf::{Digit, DtmfSource};
use voice_otp_rtp::{Codec, EngineConfig, MediaEngine, PayloadType, StreamConfig, StreamEvent};

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/rtp")
        .join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_pcap_key_press_reaches_the_stream() {
    let mut config = EngineConfig::new("41200-41219".parse().unwrap());
    config.bind_ip = "127.0.0.1".parse().unwrap();
    config.workers = 1;
    let engine = MediaEngine::start(config).unwrap();
    let local = engine.reserve().unwrap();
    let rtp_port = local.rtp_port();
    let uas_port = free_udp_port();
    let uac_port = free_udp_port();
    let uac_media = free_udp_port() & !1;
    let (stream, mut events) = engine
        .open_stream(StreamConfig {
            local,
            // SIPp's pcap player does not send from its SDP port: symmetric RTP latching
            // takes whatever source the first packet has.
            remote: SocketAddr::from(([127, 0, 0, 1], uac_media)),
            remote_rtcp: None,
            codec: Codec::Pcma,
            payload_type: PayloadType::PCMA,
            telephone_event: PayloadType::new(101),
            seed: 1,
            latching: true,
        })
        .await
        .unwrap();

    let sipp = |args: Vec<String>| {
        Command::new("sipp")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sipp is installed (scripts/install-deps.sh)")
    };
    let common = |port: u16| -> Vec<String> {
        [
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-m",
            "1",
            "-nostdin",
            "-timeout",
            "20s",
            "-timeout_error",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let mut uas_args = vec![
        "-sf".to_string(),
        fixture("uas_answer_with_rtp_port.xml")
            .display()
            .to_string(),
    ];
    uas_args.extend(common(uas_port));
    uas_args.extend(["-key".into(), "rtp_port".into(), rtp_port.to_string()]);
    let uas = sipp(uas_args);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut uac_args = vec![
        format!("127.0.0.1:{uas_port}"),
        "-sf".into(),
        fixture("uac_press_1_rfc2833.xml").display().to_string(),
        "-mp".into(),
        uac_media.to_string(),
    ];
    uac_args.extend(common(uac_port));
    let uac = sipp(uac_args);

    let dtmf = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(ev) = events.recv().await {
            if let StreamEvent::Dtmf(d) = ev {
                return Some(d);
            }
        }
        None
    })
    .await;
    let uac_out = tokio::task::spawn_blocking(move || uac.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let uas_out = tokio::task::spawn_blocking(move || uas.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stats = stream.close().await;
    let dtmf = dtmf
        .expect("no key press within 15 s")
        .expect("event channel closed");
    assert_eq!(dtmf.digit, Digit::D1);
    assert_eq!(dtmf.source, DtmfSource::Rfc4733);
    assert!(
        uac_out.status.success(),
        "sipp uac: {}",
        String::from_utf8_lossy(&uac_out.stderr)
    );
    assert!(
        uas_out.status.success(),
        "sipp uas: {}",
        String::from_utf8_lossy(&uas_out.stderr)
    );
    // The capture has 10 packets (the end packet three times).
    assert_eq!(stats.received.packets, 10);
    assert_eq!(stats.received.rejected_payload_type, 0);
}
