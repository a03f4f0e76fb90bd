//! `POST /voiceapi/v2/DTMF` (CM's Request DTMF app): the body of CM's .NET SDK is
//! accepted, its numbers get their defaults and bounds, a broken rule is a 400 naming the
//! field, and the finished event is `dtmf-finished` with what was collected.

use crate::common::*;
use serde_json::{Value, json};
use voice_otp_call::{CollectedInput, DigitPattern, InputStatus};
use voice_otp_media::PromptSource;

/// A minimal valid body plus `extra`.
fn dtmf_body(extra: Value) -> Value {
    let mut body = json!({"callee": "+31612345678", "caller": "+31201234567",
        "prompt": "Please enter your id number.", "prompt-type": "TTS"});
    for (k, v) in extra.as_object().expect("an object") {
        body[k] = v.clone();
    }
    body
}

fn fields_of(resp: &Value) -> Vec<String> {
    let errors = resp["errors"].as_array().expect("a 400 lists errors");
    errors.iter().map(|e| e["field"].to_string()).collect()
}

#[tokio::test]
async fn the_dotnet_sdk_body_is_accepted() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    // As RequestDtmfInstruction serialises in the SDK's own TestDtmf (enums as integers);
    // only the invalid prompt's file is one this test's audio store has.
    let body = r##"{"instruction-id":"UnitTest","callee":null,
        "callees":["+31612345678","+4915112345678"],"caller":"+31201234567",
        "anonymous":true,"disable-callees-validation":true,
        "prompt":"Welcome to the C M password service. Please enter your id number.",
        "prompt-type":1,"valid-prompt":"Thank you for using our service.",
        "valid-prompt-type":1,"invalid-prompt":"/prompts/en-GB/intro.wav",
        "invalid-prompt-type":0,"min-digits":4,"max-digits":8,"max-attempts":3,
        "timeout":5000,"terminators":"#","regex":"\\d*",
        "voice":{"language":"en-GB","gender":1,"number":2,"volume":4},
        "callback-url":"http://call.me.back/handler"}"##;
    let body: Value = serde_json::from_str(body).expect("the SDK's JSON");
    let (status, v) = d.post("/voiceapi/v2/DTMF", &body).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v.as_array().map(Vec::len), Some(2), "{v}");
    let spec = exec.specs().pop().expect("a call was placed");
    let rules = spec.collect.expect("a DTMF call collects");
    assert_eq!(
        (rules.min_digits, rules.max_digits, rules.max_attempts),
        (4, 8, 3)
    );
    assert_eq!(rules.timeout, std::time::Duration::from_secs(5));
    assert_eq!(rules.terminators, "#");
    assert_eq!(rules.pattern, Some(DigitPattern::new(r"\d*").unwrap()));
    assert_eq!(
        spec.outro,
        Some(PromptSource::Tts("Thank you for using our service.".into()))
    );
    assert_eq!(
        spec.invalid_prompt,
        Some(PromptSource::File("/prompts/en-GB/intro.wav".into()))
    );
    // `timeout` here is the key timeout in ms, not the older name of the ring timeout.
    assert_eq!(spec.ring_timeout, std::time::Duration::from_secs(60));
    assert!(spec.code.is_none());
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn defaults_apply_when_the_numbers_are_left_out() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    // A prompt without its type is TTS, the SDK's default for all three of this app.
    let body = dtmf_body(json!({"invalid-prompt": "Sorry.", "prompt-type": null}));
    let (status, resp) = d.post("/voiceapi/v2/DTMF", &body).await;
    assert_eq!(status, 200, "{resp}");
    d.wait_ended(resp["call-id"].as_str().unwrap()).await;
    let spec = exec.specs().pop().unwrap();
    assert_eq!(
        spec.invalid_prompt,
        Some(PromptSource::Tts("Sorry.".into()))
    );
    assert!(matches!(spec.code_prompt, Some(PromptSource::Tts(_))));
    let rules = spec.collect.unwrap();
    assert_eq!(
        (rules.min_digits, rules.max_digits, rules.max_attempts),
        (1, 32, 3)
    );
    assert_eq!(rules.timeout, std::time::Duration::from_millis(5_000));
    assert_eq!(rules.terminators, "#");
    assert_eq!(rules.pattern, None);
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn every_number_is_bounded_and_named_in_the_400() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    let cases = [
        (json!({"prompt": null, "prompt-type": null}), "prompt"),
        (json!({"max-digits": 0}), "max-digits"),
        (json!({"max-digits": 33}), "max-digits"),
        (json!({"min-digits": 6, "max-digits": 4}), "min-digits"),
        (json!({"max-attempts": 6}), "max-attempts"),
        (json!({"max-attempts": 0}), "max-attempts"),
        (json!({"timeout": 999}), "timeout"),
        (json!({"timeout": 60_001}), "timeout"),
        (json!({"terminators": "#x"}), "terminators"),
        (json!({"terminators": "#".repeat(17)}), "terminators"),
        (json!({"regex": "("}), "regex"),
        (json!({"regex": r"\d{1000}{1000}"}), "regex"),
        (json!({"regex": "1".repeat(257)}), "regex"),
        (json!({"valid-prompt-type": "TTS"}), "valid-prompt"),
        (
            json!({"invalid-prompt": "/prompts/none.wav", "invalid-prompt-type": 0}),
            "invalid-prompt",
        ),
    ];
    for (extra, field) in cases {
        let body = dtmf_body(extra);
        let (status, resp) = d.post("/voiceapi/v2/DTMF", &body).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            fields_of(&resp).contains(&format!("\"{field}\"")),
            "{body}: {resp}"
        );
    }
    assert!(exec.specs().is_empty(), "nothing is dialled on a 400");
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_finished_event_carries_the_collected_digits() {
    let env = Env::new();
    let exec = ScriptedExecutor::new(|spec| Script {
        readings: 0,
        replays: 0,
        dtmf: "1234#",
        input: spec.collect.as_ref().map(|_| CollectedInput {
            digits: "1234".parse().unwrap(),
            status: InputStatus::Valid,
            attempts: 1,
        }),
        ..Script::default()
    });
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    let (status, resp) = d.post("/voiceapi/v2/DTMF", &dtmf_body(json!({}))).await;
    assert_eq!(status, 200, "{resp}");
    let ended = d.wait_ended(resp["call-id"].as_str().unwrap()).await;
    assert_eq!(ended["type"], "dtmf-finished");
    assert_eq!(ended["digits"], "1234");
    assert_eq!(ended["input-status"], "valid");
    assert_eq!(ended["attempts"], 1);
    assert_eq!(ended["result"]["code"], 10);
    // The CDR list reads the same back from the store.
    let (_, cdrs) = d.get("/v1/cdrs").await;
    assert_eq!(cdrs[0]["digits"], "1234", "{cdrs}");
    // An OTP call's event has none of the DTMF fields.
    let (_, otp) = d.otp(&otp_body()).await;
    let ended = d.wait_ended(otp["call-id"].as_str().unwrap()).await;
    assert!(ended.get("digits").is_none(), "{ended}");
    assert!(ended.get("input-status").is_none(), "{ended}");
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn another_tenant_cannot_play_uploads_as_valid_or_invalid_prompt() {
    let env = Env::new();
    // An upload of the default tenant, in the user store.
    let uploads = env.path().join("audio").join("prompts");
    std::fs::create_dir_all(&uploads).unwrap();
    std::fs::write(
        uploads.join("bank.wav"),
        voice_otp_media::wav::encode_wav(&[0i16; 400]),
    )
    .unwrap();
    let mut config = env.config();
    let shop_token = "shop-token-0123456789";
    config.tenants.push(voice_otp_daemon::config::TenantConfig {
        name: "shop".to_owned(),
        tokens: vec![shop_token.to_owned()],
        callers: None,
        guard: config.guard.clone(),
    });
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(config, exec.clone()).await;
    for field in ["valid-prompt", "invalid-prompt"] {
        let body = dtmf_body(json!({field: "/prompts/bank.wav", format!("{field}-type"): "File"}));
        let resp = d
            .client
            .post(d.url("/voiceapi/v2/DTMF"))
            .header("x-cm-producttoken", shop_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{field}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(fields_of(&v), [format!("\"{field}\"")], "{v}");
        // The default tenant owns the upload and may play it.
        let (status, v) = d.post("/voiceapi/v2/DTMF", &body).await;
        assert_eq!(status, 200, "{v}");
    }
    assert_eq!(exec.specs().len(), 2, "only the default tenant's calls");
    d.daemon.shutdown().await.unwrap();
}
