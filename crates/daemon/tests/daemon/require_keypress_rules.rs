//! `require-keypress` (a voice-otp extension of OTP requests, default `[calls]
//! require-keypress`): the daemon draws the key, 2 to 9, for every call and hands it down
//! in the call's spec; the finished event of an OTP call says how the check went.

use std::collections::HashSet;

use crate::common::*;
use serde_json::json;
use voice_otp_call::{Digit, KeypressCheck};

#[tokio::test]
async fn the_key_is_drawn_per_call_from_2_to_9() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    for i in 0..40 {
        let mut body = otp_body();
        body["require-keypress"] = json!(true);
        body["callee"] = json!(format!("+316123456{i:02}"));
        let (status, resp) = d.otp(&body).await;
        assert_eq!(status, 200, "{resp}");
    }
    let keys: Vec<Digit> = exec
        .specs()
        .iter()
        .map(|s| s.keypress.expect("the request asked for the check"))
        .collect();
    assert_eq!(keys.len(), 40);
    assert!(
        keys.iter().all(|k| ('2'..='9').contains(&k.as_char())),
        "{keys:?}"
    );
    // 40 draws from 8 keys all alike: chance 8^-39. A constant would be caught.
    assert!(keys.iter().collect::<HashSet<_>>().len() >= 2, "{keys:?}");
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_config_default_applies_and_the_request_overrides_it() {
    let env = Env::new();
    let mut config = env.config();
    config.calls.require_keypress = true;
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(config, exec.clone()).await;
    let (status, _) = d.otp(&otp_body()).await;
    assert_eq!(status, 200);
    let mut off = otp_body();
    off["require-keypress"] = json!(false);
    off["callee"] = json!("+31612345670");
    let (status, _) = d.otp(&off).await;
    assert_eq!(status, 200);
    // Not an OTP: no check, whatever the default.
    let notification = json!({"callee": "+31612345671", "caller": "+31201234567",
        "prompt": "Your parcel arrives today.", "prompt-type": "TTS",
        "require-keypress": true});
    let (status, resp) = d.post("/voiceapi/v2/Notification", &notification).await;
    assert_eq!(status, 200, "{resp}");
    let specs = exec.specs();
    assert!(specs[0].keypress.is_some());
    assert_eq!(specs[1].keypress, None);
    assert_eq!(specs[2].keypress, None);
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_non_boolean_is_a_400_naming_the_field() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    let mut body = otp_body();
    body["require-keypress"] = json!("yes");
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 400);
    assert_eq!(resp["errors"][0]["field"], "require-keypress", "{resp}");
    assert!(exec.specs().is_empty());
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_finished_event_says_how_the_check_went() {
    let env = Env::new();
    let exec = ScriptedExecutor::new(|spec| match spec.keypress {
        Some(_) => Script {
            readings: 0,
            replays: 0,
            dtmf: "3",
            keypress_check: KeypressCheck::Failed,
            ..Script::default()
        },
        None => Script::default(),
    });
    let d = TestDaemon::start(env.config(), exec).await;
    let mut body = otp_body();
    body["require-keypress"] = json!(true);
    let (_, resp) = d.otp(&body).await;
    let ended = d.wait_ended(resp["call-id"].as_str().unwrap()).await;
    assert_eq!(ended["keypress-check"], "failed", "{ended}");
    assert_eq!(ended["code-read-count"], 0, "{ended}");
    let mut plain = otp_body();
    plain["callee"] = json!("+31612345670");
    let (_, resp) = d.otp(&plain).await;
    let ended = d.wait_ended(resp["call-id"].as_str().unwrap()).await;
    assert_eq!(ended["keypress-check"], "not-required", "{ended}");
    d.daemon.shutdown().await.unwrap();
}
