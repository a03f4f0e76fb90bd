//! Attack on the real daemon (`voice-otp serve`): TTS and SSML prompts that would make
//! espeak-ng read files (`<audio src>`), follow a DOCTYPE, pause for minutes or receive
//! control characters are refused with a 400 naming the field, and nothing is dialled.
//! The trunk is a bare UDP socket that would see any INVITE; a valid request at the end
//! shows that it does.

use std::time::Duration;

use serde_json::{Value, json};
use voice_otp_suite::e2e::*;

fn with(body: &Value, extra: Value) -> Value {
    let mut body = body.clone();
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// The first SIP request the trunk socket receives within `within`, if any.
async fn first_request(trunk: &tokio::net::UdpSocket, within: Duration) -> Option<String> {
    let mut buf = vec![0u8; 65536];
    let (n, _) = tokio::time::timeout(within, trunk.recv_from(&mut buf))
        .await
        .ok()?
        .unwrap();
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_prompts_are_a_400_naming_the_field_and_nothing_is_dialled() {
    let dir = tempfile::tempdir().unwrap();
    let trunk = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), trunk.local_addr().unwrap())).await;
    let base = otp_body("4829", &receiver.url());

    let attacks = [
        (
            json!({"intro-prompt": "<speak><audio src=\"/etc/passwd\"/></speak>",
                   "intro-prompt-type": "TTS_SSML"}),
            "intro-prompt",
            "<audio>",
        ),
        (
            json!({"code-prompt":
                     "<!DOCTYPE speak [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><speak>&x;</speak>",
                   "code-prompt-type": "TTS_SSML"}),
            "code-prompt",
            "DOCTYPE",
        ),
        (
            json!({"replay-prompt": "<speak>Press 1 <break time=\"11s\"/></speak>",
                   "replay-prompt-type": "TTS_SSML", "max-replays": 1}),
            "replay-prompt",
            "at most 10 s",
        ),
        (
            json!({"outro-prompt": "Goodbye\u{1b}[2J", "outro-prompt-type": "TTS"}),
            "outro-prompt",
            "control characters",
        ),
        (
            json!({"outro-prompt": "<speak>Bye&#7;</speak>", "outro-prompt-type": "TTS_SSML"}),
            "outro-prompt",
            "control characters",
        ),
        (
            json!({"intro-prompt": "<speak xml:base=\"file:///etc/\">Hi</speak>",
                   "intro-prompt-type": "TTS_SSML"}),
            "intro-prompt",
            "xml:base",
        ),
    ];
    for (extra, field, reason) in attacks {
        let body = with(&base, extra);
        let (status, text, json) = daemon.otp(&body).await;
        assert_eq!(status, 400, "{body}: {text}");
        let named = json["errors"]
            .as_array()
            .map(|all| {
                all.iter().any(|e| {
                    e["field"] == field && e["message"].as_str().unwrap_or("").contains(reason)
                })
            })
            .unwrap_or(false);
        assert!(named, "{field} with {reason:?} not named in {text}");
    }
    assert_eq!(first_request(&trunk, Duration::from_secs(2)).await, None);

    // The same daemon and trunk do dial a valid request.
    let ok = with(
        &base,
        json!({"intro-prompt": "<speak>Hello <break time=\"1s\"/></speak>",
               "intro-prompt-type": "TTS_SSML"}),
    );
    daemon.otp_call(&ok).await;
    let invite = first_request(&trunk, Duration::from_secs(30)).await;
    assert!(
        invite.as_deref().is_some_and(|m| m.starts_with("INVITE ")),
        "{invite:?}"
    );
}
