//! Over real sockets: SIPp places a call (a SIPp UAS answers with our RTP port in its SDP)
//! and plays its shipped RFC 2833 capture of a "1" key press with `play_pcap_audio`; the
//! media engine's stream reports the digit. SIPp needs root for pcap play.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use voice_otp_dtmf::{Digit, DtmfSource};
use voice_otp_rtp::{
    Codec, EngineConfig, Latching, MediaEngine, PayloadType, StreamConfig, StreamEvent,
};
use voice_otp_testkit::repo_root;
use voice_otp_testkit::sipp::{Sipp, free_udp_port};

/// SIPp's own timeout for each side.
const SIPP_TIMEOUT: Duration = Duration::from_secs(20);

fn fixture(name: &str) -> PathBuf {
    repo_root().join("fixtures/rtp").join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_pcap_key_press_reaches_the_stream() {
    let mut config = EngineConfig::new("41200-41219".parse().unwrap());
    config.bind_ip = "127.0.0.1".parse().unwrap();
    config.workers = 1;
    let engine = MediaEngine::start(config).unwrap();
    let local = engine.reserve().unwrap();
    let rtp_port = local.rtp_port();
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
            latching: Latching::Symmetric,
            srtp: None,
        })
        .await
        .unwrap();

    let mut uas = Sipp::uas(fixture("uas_answer_with_rtp_port.xml"))
        .timeout(SIPP_TIMEOUT)
        .key("rtp_port", rtp_port)
        .start()
        .await;
    let mut uac = Sipp::uac(fixture("uac_press_1_rfc2833.xml"), uas.addr())
        .media_port(uac_media)
        .timeout(SIPP_TIMEOUT)
        .start()
        .await;

    let dtmf = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(ev) = events.recv().await {
            if let StreamEvent::Dtmf(d) = ev {
                return Some(d);
            }
        }
        None
    })
    .await;
    // SIPp's own timeout ends both well within this; logs are printed on a failure.
    let uac_code = uac.finish(SIPP_TIMEOUT + Duration::from_secs(10)).await;
    let uas_code = uas.finish(SIPP_TIMEOUT + Duration::from_secs(10)).await;
    let stats = stream.close().await;
    let dtmf = dtmf
        .expect("no key press within 15 s")
        .expect("event channel closed");
    assert_eq!(dtmf.digit, Digit::D1);
    assert_eq!(dtmf.source, DtmfSource::Rfc4733);
    assert_eq!(uac_code, 0, "sipp uac");
    assert_eq!(uas_code, 0, "sipp uas");
    // The capture has 10 packets (the end packet three times).
    assert_eq!(stats.received.packets, 10);
    assert_eq!(stats.received.rejected_payload_type, 0);
}
