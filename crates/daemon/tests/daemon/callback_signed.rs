//! The finished event is POSTed to `callback-url` with exactly the fields of spec section 3,
//! signed with HMAC-SHA256 of `"<X-Voice-OTP-Timestamp>." + body`
//! (`X-Voice-OTP-Signature: sha256=<hex>`); the receiving server verifies the signature, and
//! a signature checked against another timestamp fails (a replayed callback cannot be
//! re-dated). Without a secret the callback is unsigned.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::common::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

const SECRET: &str = "callback-secret-for-tests";

fn verify(secret: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

#[tokio::test]
async fn finished_event_is_signed_and_complete() {
    let env = Env::new();
    let receiver = Receiver::start(&[]).await;
    let mut config = env.config();
    config.callbacks.secret = SECRET.to_owned();
    let d = TestDaemon::start(config, ScriptedExecutor::finished()).await;
    let mut body = otp_body();
    body["instruction-id"] = json!("order-42");
    body["callback-url"] = json!(receiver.url());
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 200);
    let call_id = resp["call-id"].as_str().unwrap();

    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    let req = &got[0];
    assert_eq!(req.headers["content-type"], "application/json");
    let sig = req.headers["x-voice-otp-signature"].to_str().unwrap();
    let ts_text = req.headers["x-voice-otp-timestamp"].to_str().unwrap();
    assert!(
        verify(SECRET, ts_text, &req.body, sig),
        "signature does not verify"
    );
    assert!(!verify("other-secret", ts_text, &req.body, sig));
    let ts: u64 = ts_text.parse().unwrap();
    assert!(
        !verify(SECRET, &(ts + 60).to_string(), &req.body, sig),
        "the timestamp is signed"
    );
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(ts <= now && now - ts < 60);

    let event: Value = serde_json::from_slice(&req.body).unwrap();
    let keys: Vec<&str> = event
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    let mut want = vec![
        "type",
        "call-id",
        "instruction-id",
        "caller",
        "callee",
        "started-on",
        "answered-on",
        "ended-on",
        "duration",
        "code-read-count",
        "replays",
        "dtmf",
        // Issue 15 item 5: every OTP event says how the `require-keypress` check went.
        "keypress-check",
        "result",
    ];
    let mut keys_sorted = keys.clone();
    keys_sorted.sort();
    want.sort();
    assert_eq!(keys_sorted, want);
    assert_eq!(event["type"], "otp-finished");
    assert_eq!(event["call-id"], call_id);
    assert_eq!(event["instruction-id"], "order-42");
    assert_eq!(event["caller"], "+31201234567");
    assert_eq!(event["callee"], "+31612345678");
    // The scripted call answers 1.5 s after the INVITE and ends at 13.84 s.
    assert_eq!(event["duration"], json!(12.34));
    assert_eq!(event["code-read-count"], 2);
    assert_eq!(event["replays"], 1);
    assert_eq!(event["dtmf"], "1");
    assert_eq!(
        event["result"],
        json!({"code": 10, "description": "Finished", "sip-disconnect-code": 200,
               "sip-disconnect-reason": "OK"})
    );
    for k in ["started-on", "answered-on", "ended-on"] {
        let t = event[k].as_str().unwrap();
        // 2026-11-25T20:00:00.000Z
        assert_eq!(t.len(), 24, "{k}: {t}");
        assert!(t.ends_with('Z') && t.as_bytes()[19] == b'.', "{k}: {t}");
        assert!(
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).is_ok()
        );
    }
    // The CDR is the same document.
    let cdr = d.wait_ended(call_id).await;
    for k in &want {
        assert_eq!(cdr[k], event[k], "{k}");
    }
    // Delivered once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.all().len(), 1);
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_a_secret_the_callback_is_unsigned() {
    let env = Env::new();
    let receiver = Receiver::start(&[]).await;
    let d = TestDaemon::start(env.config(), ScriptedExecutor::finished()).await;
    let mut body = otp_body();
    body["callback-url"] = json!(receiver.url());
    let (status, _) = d.otp(&body).await;
    assert_eq!(status, 200);
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert!(got[0].headers.get("x-voice-otp-signature").is_none());
    assert!(got[0].headers.get("x-voice-otp-timestamp").is_some());
    d.daemon.shutdown().await.unwrap();
}
