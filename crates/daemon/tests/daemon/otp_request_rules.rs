//! Every rule of the request table (spec section 2) as a test: a request breaking one rule
//! is a 400 naming that field, nothing is dialled, and a request breaking several names
//! them all. Values at the edges of each rule are accepted.

use crate::common::*;
use serde_json::{Value, json};
use voice_otp_media::{CodeType, Gender, PromptSource};

fn with(patch: Value) -> Value {
    let mut body = otp_body();
    for (k, v) in patch.as_object().unwrap() {
        if v.is_null() {
            body.as_object_mut().unwrap().remove(k);
        } else {
            body[k] = v.clone();
        }
    }
    body
}

fn fields(resp: &Value) -> Vec<String> {
    resp["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {resp}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn each_broken_rule_is_a_400_naming_its_field() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    let long = |n: usize| "a".repeat(n);
    let cases: Vec<(Value, &str)> = vec![
        (json!({"instruction-id": long(65)}), "instruction-id"),
        (json!({"instruction-id": 12}), "instruction-id"),
        (json!({"callee": null}), "callee"),
        (json!({"callee": null, "callees": []}), "callee"),
        (json!({"callee": "0612345678"}), "callee"),
        (json!({"callee": "+12345"}), "callee"),
        (json!({"callee": "+1234567890123456"}), "callee"),
        (json!({"callee": "+999123456789"}), "callee"),
        (json!({"callee": "+31 6 1234 5678"}), "callee"),
        (json!({"callee": 31612345678u64}), "callee"),
        (json!({"callees": "+31612345678"}), "callees"),
        (json!({"callees": ["+31612345679", "nope"]}), "callees[1]"),
        (json!({"callees": ["+31612345679", 5]}), "callees[1]"),
        (
            json!({"disable-callees-validation": "yes"}),
            "disable-callees-validation",
        ),
        (json!({"caller": null}), "caller"),
        (json!({"caller": ""}), "caller"),
        (json!({"caller": "+3120123456712345678901234"}), "caller"),
        (json!({"caller": "CMcom"}), "caller"),
        (json!({"caller": 31201234567u64}), "caller"),
        (json!({"anonymous": "true"}), "anonymous"),
        (
            json!({"callback-url": "ftp://example.test/x"}),
            "callback-url",
        ),
        (json!({"callback-url": "not a url"}), "callback-url"),
        (json!({"callback-url": 7}), "callback-url"),
        (json!({"max-ringing-timeout": 9}), "max-ringing-timeout"),
        (json!({"max-ringing-timeout": 61}), "max-ringing-timeout"),
        (json!({"max-ringing-timeout": "30"}), "max-ringing-timeout"),
        (json!({"max-ringing-timeout": 30.5}), "max-ringing-timeout"),
        (json!({"timeout": 5}), "timeout"),
        (json!({"code": null}), "code"),
        (json!({"code": ""}), "code"),
        (json!({"code": long(65)}), "code"),
        (json!({"code": "12-34"}), "code"),
        (json!({"code": "12 34"}), "code"),
        (json!({"code": "1234é"}), "code"),
        (json!({"code": 1234}), "code"),
        (json!({"code-type": "Morse"}), "code-type"),
        (json!({"code-type": 3}), "code-type"),
        (json!({"code-type": "Custom"}), "code-type"),
        (json!({"max-replays": 4}), "max-replays"),
        (json!({"max-replays": -1}), "max-replays"),
        (json!({"max-replays": "2"}), "max-replays"),
        (json!({"auto-replay": 1}), "auto-replay"),
        (json!({"voice": "en-GB"}), "voice"),
        (json!({"voice": {"language": "english"}}), "voice.language"),
        (json!({"voice": {"gender": "Other"}}), "voice.gender"),
        (json!({"voice": {"gender": 2}}), "voice.gender"),
        (json!({"voice": {"number": 0}}), "voice.number"),
        (json!({"voice": {"volume": 5}}), "voice.volume"),
        (json!({"voice": {"volume": -5}}), "voice.volume"),
        (
            json!({"voice": {"language": "qq-QQ"}, "intro-prompt": "Hello", "intro-prompt-type": "TTS"}),
            "voice.language",
        ),
        (
            json!({"voice": {"language": "qq-QQ"}, "code-type": "TTS"}),
            "voice.language",
        ),
        (
            json!({"voicemail-response": "Hangup"}),
            "voicemail-response",
        ),
        (json!({"voicemail-response": 3}), "voicemail-response"),
    ];
    let mut all: Vec<(Value, String)> = cases
        .into_iter()
        .map(|(p, f)| (with(p), f.to_owned()))
        .collect();
    // The same four rules for every prompt.
    for p in [
        "intro-prompt",
        "code-prompt",
        "replay-prompt",
        "outro-prompt",
    ] {
        let t = format!("{p}-type");
        all.push((with(json!({ &t: "TTS" })), p.to_owned()));
        // No type: TTS (what CM's SDK sends), with the TTS length rule.
        all.push((with(json!({ p: long(751) })), p.to_owned()));
        all.push((with(json!({ p: "Hello", &t: "Video" })), t.clone()));
        all.push((with(json!({ p: "Hello", &t: 3 })), t.clone()));
        all.push((with(json!({ p: "", &t: "TTS" })), p.to_owned()));
        all.push((with(json!({ p: long(751), &t: "TTS" })), p.to_owned()));
        all.push((with(json!({ p: long(751), &t: "TTS_SSML" })), p.to_owned()));
        all.push((
            with(json!({ p: "/prompts/nope.wav", &t: "File" })),
            p.to_owned(),
        ));
        all.push((
            with(json!({ p: "/../defaults/x.wav", &t: 0 })),
            p.to_owned(),
        ));
        all.push((
            with(json!({ p: "/Prompts/Intro.wav", &t: "file" })),
            p.to_owned(),
        ));
    }
    for (body, field) in &all {
        let (status, resp) = d.otp(body).await;
        assert_eq!(status, 400, "{body} -> {resp}");
        assert_eq!(resp["success"], false);
        assert!(
            fields(&resp).contains(field),
            "{body}: expected field {field}, got {resp}"
        );
        for e in resp["errors"].as_array().unwrap() {
            assert!(!e["message"].as_str().unwrap().is_empty());
        }
    }
    for (status, body) in [
        (400, "{not json".to_owned()),
        (400, "[1,2,3]".to_owned()),
        (400, "\"text\"".to_owned()),
    ] {
        let resp = d
            .client
            .post(d.url("/voiceapi/v2/OTP"))
            .header("X-CM-PRODUCTTOKEN", TOKEN)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{body}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(fields(&v), vec!["body"], "{body}: {v}");
    }
    assert!(exec.specs().is_empty(), "something was dialled");
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn one_response_names_every_offending_field() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    let body = json!({
        "callees": ["+31612345678", "12"],
        "caller": "x",
        "code": "12-34",
        "max-replays": 9,
        "max-ringing-timeout": 5,
        "voice": {"gender": "robot", "volume": 10},
        "intro-prompt-type": "TTS",
        "callback-url": "gopher://x",
    });
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 400);
    let mut got = fields(&resp);
    got.sort();
    let mut want = vec![
        "callees[1]",
        "caller",
        "code",
        "max-replays",
        "max-ringing-timeout",
        "voice.gender",
        "voice.volume",
        "intro-prompt",
        "callback-url",
    ];
    want.sort();
    assert_eq!(got, want, "{resp}");
    // The code is never echoed, even when it is the offending field.
    assert!(!resp.to_string().contains("12-34"));
    assert!(exec.specs().is_empty());
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn edge_values_are_accepted_and_reach_the_call_spec() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    let body = json!({
        "instruction-id": "i".repeat(64),
        "callee": "+4915112345678",
        "caller": "+31201234567",
        "anonymous": true,
        "callback-url": "https://hooks.example.test/otp?x=1",
        "timeout": 10,
        "intro-prompt": "/prompts/en-GB/intro.wav",
        "intro-prompt-type": "file",
        "code-prompt": "<speak>Your code is</speak>",
        "code-prompt-type": "tts_ssml",
        "replay-prompt": "Press 1 to hear it again",
        "replay-prompt-type": 1,
        "outro-prompt": "x".repeat(750),
        "outro-prompt-type": "TTS",
        "code": "aZ09".repeat(16),
        "code-type": "default",
        "max-replays": 3,
        "auto-replay": true,
        "voice": {"language": "nl-NL", "gender": "male", "number": 2, "volume": -4},
        "voicemail-response": "stop",
        "unknown-field": {"ignored": true},
    });
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["type"], "call-queued");
    assert_eq!(resp["success"], true);
    assert_eq!(resp["callee"], "+4915112345678");
    assert_eq!(resp["caller"], "+31201234567");
    assert_eq!(resp["instruction-id"], "i".repeat(64));
    let call_id = resp["call-id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(call_id).is_ok());
    d.wait_ended(call_id).await;
    let spec = exec.specs().pop().unwrap();
    assert_eq!(spec.call_id, call_id);
    assert_eq!(spec.kind, voice_otp_call::CallKind::Otp);
    assert!(spec.anonymous);
    assert_eq!(spec.ring_timeout, std::time::Duration::from_secs(10));
    assert_eq!(
        spec.intro,
        Some(PromptSource::File("/prompts/en-GB/intro.wav".into()))
    );
    assert_eq!(
        spec.code_prompt,
        Some(PromptSource::Ssml("<speak>Your code is</speak>".into()))
    );
    assert_eq!(
        spec.replay_prompt,
        Some(PromptSource::Tts("Press 1 to hear it again".into()))
    );
    assert_eq!(spec.code.as_ref().unwrap().expose(), "aZ09".repeat(16));
    assert_eq!(spec.code_type, CodeType::Default);
    assert_eq!(spec.max_replays, 3);
    assert!(spec.auto_replay);
    assert_eq!(spec.voice.language, "nl-NL");
    assert_eq!(spec.voice.gender, Gender::Male);
    assert_eq!(spec.voice.number, 2);
    assert_eq!(spec.voice.volume, -4);
    assert_eq!(spec.settings.replay_wait, std::time::Duration::from_secs(5));

    // Defaults, and `max-ringing-timeout` winning over its alias.
    let (status, resp) = d
        .otp(&with(json!({"max-ringing-timeout": 60, "timeout": 10})))
        .await;
    assert_eq!(status, 200, "{resp}");
    d.wait_ended(resp["call-id"].as_str().unwrap()).await;
    let spec = exec.specs().pop().unwrap();
    assert_eq!(spec.ring_timeout, std::time::Duration::from_secs(60));
    assert_eq!(spec.max_replays, 0);
    assert!(!spec.auto_replay && !spec.anonymous);
    assert_eq!(spec.voice, voice_otp_media::Voice::default());
    assert_eq!(spec.intro, None);

    // A prompt without its type is read by TTS (see docs/api-notes.md).
    let (status, resp) = d
        .otp(&with(
            json!({"intro-prompt": "Hello", "outro-prompt": "Bye"}),
        ))
        .await;
    assert_eq!(status, 200, "{resp}");
    d.wait_ended(resp["call-id"].as_str().unwrap()).await;
    let spec = exec.specs().pop().unwrap();
    assert_eq!(spec.intro, Some(PromptSource::Tts("Hello".into())));
    assert_eq!(spec.outro, Some(PromptSource::Tts("Bye".into())));
    d.daemon.shutdown().await.unwrap();
}
