//! A body as CM.com's .NET SDK (`CM.Voice.VoiceApi.Sdk`, Newtonsoft.Json) serialises it:
//! enums as integers, `null` for unset base fields, `callees: null`. It is accepted as is.

use crate::common::*;
use voice_otp_media::{CodeType, Gender, PromptSource};

#[tokio::test]
async fn dotnet_sdk_otp_body_with_integer_enums_is_accepted() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    // Field order and nulls as the SDK's OtpInstruction/BaseAppInstruction produce them.
    let body = r#"{"instruction-id":null,"callee":"+31612345678","callees":null,
        "caller":"+31201234567","anonymous":false,"disable-callees-validation":false,
        "intro-prompt":"Hello, this is your verification call.","intro-prompt-type":1,
        "code-prompt":"Your code is","code-prompt-type":1,"code":"7A3519","code-type":1,
        "replay-prompt":"Press 1 to hear the code again.","replay-prompt-type":1,
        "outro-prompt":"/prompts/en-GB/intro.wav","outro-prompt-type":0,
        "max-replays":2,"auto-replay":false,
        "voice":{"language":"en-GB","gender":0,"number":1},
        "callback-url":"http://127.0.0.1:9/cb"}"#;
    let resp = d
        .client
        .post(d.url("/voiceapi/v2/OTP"))
        .header("x-cm-producttoken", TOKEN)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "call-queued", "{v}");
    assert!(v["instruction-id"].is_null());
    d.wait_ended(v["call-id"].as_str().unwrap()).await;
    let spec = exec.specs().pop().unwrap();
    assert_eq!(spec.code_type, CodeType::Tts);
    assert_eq!(spec.voice.gender, Gender::Male);
    assert_eq!(
        spec.outro,
        Some(PromptSource::File("/prompts/en-GB/intro.wav".into()))
    );
    assert_eq!(
        spec.code_prompt,
        Some(PromptSource::Tts("Your code is".into()))
    );
    assert_eq!(spec.max_replays, 2);
    assert_eq!(spec.callee, "+31612345678");
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn dotnet_sdk_notification_body_with_integer_enums_is_accepted() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    let body = r#"{"instruction-id":"My InstructionId","callee":null,
        "callees":["+31612345678","+4915112345678"],"caller":"+31201234567",
        "anonymous":true,"disable-callees-validation":false,
        "prompt":"Your parcel arrives today.","prompt-type":1,
        "voice":{"language":"nl-NL","gender":1,"number":1},"max-replays":1}"#;
    let resp = d
        .client
        .post(d.url("/voiceapi/v2/Notification"))
        .header("X-CM-PRODUCTTOKEN", TOKEN)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: serde_json::Value = resp.json().await.unwrap();
    let events = v.as_array().expect("callees gives an array");
    assert_eq!(events.len(), 2);
    for e in events {
        assert_eq!(e["instruction-id"], "My InstructionId");
        let ended = d.wait_ended(e["call-id"].as_str().unwrap()).await;
        assert_eq!(ended["type"], "notification-finished");
    }
    for spec in exec.specs() {
        assert_eq!(spec.kind, voice_otp_call::CallKind::Notification);
        assert!(spec.code.is_none());
        assert_eq!(
            spec.code_prompt,
            Some(PromptSource::Tts("Your parcel arrives today.".into()))
        );
        assert_eq!(spec.voice.gender, Gender::Female);
        assert_eq!(spec.max_replays, 1);
    }
    d.daemon.shutdown().await.unwrap();
}
