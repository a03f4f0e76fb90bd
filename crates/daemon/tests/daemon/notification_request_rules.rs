//! `POST /voiceapi/v2/Notification`: `prompt` is required and `prompt-type` defaults to
//! `File` as CM documents, a code is not read, and the finished event is
//! `notification-finished`.

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn notification_needs_a_prompt_and_its_type() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    let base = json!({"callee": "+31612345678", "caller": "+31201234567"});
    let cases = [
        (json!({}), "prompt"),
        // No type: CM's default File, and "Hello" is no file.
        (json!({"prompt": "Hello"}), "prompt"),
        (json!({"prompt-type": "TTS"}), "prompt"),
        (
            json!({"prompt": "/prompts/none.wav", "prompt-type": "File"}),
            "prompt",
        ),
        (
            json!({"prompt": "x".repeat(751), "prompt-type": "TTS"}),
            "prompt",
        ),
        (
            json!({"prompt": "Hello", "prompt-type": "TTS", "max-replays": 4}),
            "max-replays",
        ),
    ];
    for (patch, field) in cases {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, resp) = d.post("/voiceapi/v2/Notification", &body).await;
        assert_eq!(status, 400, "{body}");
        let fields: Vec<&str> = resp["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{body}: {resp}");
    }
    assert!(exec.specs().is_empty());

    // A shipped file without its type plays as a File.
    let mut body = base.clone();
    body["prompt"] = json!("/prompts/en-GB/intro.wav");
    let (status, resp) = d.post("/voiceapi/v2/Notification", &body).await;
    assert_eq!(status, 200, "{resp}");
    let ended = d.wait_ended(resp["call-id"].as_str().unwrap()).await;
    assert_eq!(ended["type"], "notification-finished");
    let spec = exec.specs().pop().unwrap();
    assert!(
        matches!(
            spec.code_prompt,
            Some(voice_otp_media::PromptSource::File(_))
        ),
        "{:?}",
        spec.code_prompt
    );

    let mut body = base.clone();
    body["prompt"] = json!("Your parcel arrives today.");
    body["prompt-type"] = json!("tts");
    let (status, resp) = d.post("/voiceapi/v2/Notification", &body).await;
    assert_eq!(status, 200, "{resp}");
    let ended = d.wait_ended(resp["call-id"].as_str().unwrap()).await;
    assert_eq!(ended["type"], "notification-finished");
    d.daemon.shutdown().await.unwrap();
}
