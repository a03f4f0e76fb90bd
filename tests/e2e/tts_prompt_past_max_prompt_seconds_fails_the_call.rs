//! Attack on the real daemon (`voice-otp serve`): a TTS prompt that would speak longer
//! than `[audio] max-prompt-seconds` stops espeak-ng at the limit; the call is not dialled
//! and its finished event says 11 "audio could not be rendered".

use std::time::Duration;

use voice_otp_suite::e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_past_the_limit_fails_the_call_as_11_without_dialling() {
    let dir = tempfile::tempdir().unwrap();
    let trunk = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let receiver = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), trunk.local_addr().unwrap());
    config.env.push((
        "VOICE_OTP_AUDIO_MAX_PROMPT_SECONDS".to_owned(),
        "2".to_owned(),
    ));
    let daemon = Daemon::start(config).await;

    // About 40 s of speech, well within the 750 characters a prompt may have.
    let mut body = otp_body("4829", &receiver.url());
    body["intro-prompt"] = "Please listen carefully to the whole message. "
        .repeat(15)
        .into();
    body["intro-prompt-type"] = "TTS".into();
    let call_id = daemon.otp_call(&body).await;

    let got = receiver.wait_for(1, Duration::from_secs(60)).await;
    let event = got[0].json();
    assert_eq!(event["call-id"], call_id.as_str(), "{event}");
    assert_eq!(event["result"]["code"], 11, "{event}");
    assert_eq!(
        event["result"]["sip-disconnect-reason"], "audio could not be rendered",
        "{event}"
    );
    assert!(event["answered-on"].is_null(), "{event}");

    // Nothing reached the trunk.
    let mut buf = vec![0u8; 65536];
    let heard = tokio::time::timeout(Duration::from_secs(1), trunk.recv_from(&mut buf)).await;
    assert!(heard.is_err(), "the trunk got a request");
    // And the daemon logged why.
    let logs = daemon.logs();
    assert!(logs.contains("rendering failed"), "{logs}");
}
