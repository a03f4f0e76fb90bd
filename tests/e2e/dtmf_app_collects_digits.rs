//! CM's Request DTMF app end to end: the real daemon calls the built-in phone, plays the
//! TTS prompt, and collects what the phone presses as RFC 4733 telephone-events.
//!
//! - The phone presses "975318#": the entry ends on the terminator, the valid prompt plays,
//!   the daemon hangs up, and the signed `dtmf-finished` event carries `digits` "975318",
//!   `input-status` "valid" and result 10. The keys never reach the daemon's log.
//! - The phone presses nothing: each attempt times out, the prompt plays again, and after
//!   `max-attempts` the daemon hangs up; the event says `no-input` after 2 attempts.

use serde_json::{Value, json};
use voice_otp_phone::PhoneReport;
use voice_otp_suite::e2e::*;
use voice_otp_suite::phone::{PhoneCall, phone_trunk};

/// Runs one Request DTMF call to a phone that presses `press`; returns the finished
/// event, the delivery, the phone's report and the daemon (so its logs can be read).
async fn dtmf_call(
    press: &str,
    extra: Value,
) -> (Value, Received, PhoneReport, Daemon, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let phone = phone_trunk(press).await;
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), phone.sip_addr().unwrap())).await;
    let receiver = Receiver::start(&[]).await;
    let call = PhoneCall::start(phone);

    let mut body = json!({
        "callee": "+31612345678",
        "caller": "+31201234567",
        "prompt": "Please enter your PIN, then press hash.",
        "prompt-type": "TTS",
        "valid-prompt": "Thank you.",
        "valid-prompt-type": "TTS",
        "min-digits": 4,
        "max-digits": 8,
        "terminators": "#",
        "callback-url": receiver.url(),
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, text, _) = daemon.post("/voiceapi/v2/DTMF", &body).await;
    assert_eq!(status, 200, "{text}");
    let (got, report) = call.finish(&receiver).await;
    (got.json(), got, report, daemon, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressed_digits_reach_the_signed_callback() {
    let (event, got, report, daemon, _dir) = dtmf_call("975318#", json!({})).await;
    assert_eq!(report.pressed, "975318#");
    assert_eq!(event["type"], "dtmf-finished", "{event}");
    assert_eq!(event["result"]["code"], 10, "{event}\n{}", daemon.logs());
    assert_eq!(event["digits"], "975318", "{event}");
    assert_eq!(event["input-status"], "valid", "{event}");
    assert_eq!(event["attempts"], 1, "{event}");
    assert_eq!(event["result"]["sip-disconnect-code"], 200, "{event}");
    assert_signed(&got, SECRET);
    // The CDR has the same digits.
    let call_id = event["call-id"].as_str().unwrap();
    let (status, text, cdr) = daemon.get(&format!("/v1/calls/{call_id}")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(cdr["digits"], "975318", "{cdr}");
    // The entry may be a PIN: it is in no log line.
    assert!(!daemon.logs().contains("975318"), "{}", daemon.logs());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_digits_time_out_retry_and_are_reported() {
    let (event, got, report, daemon, _dir) = dtmf_call(
        "",
        json!({"max-attempts": 2, "timeout": 1000,
            "invalid-prompt": "Sorry, I did not get that.", "invalid-prompt-type": "TTS"}),
    )
    .await;
    assert_eq!(report.pressed, "");
    assert_eq!(event["type"], "dtmf-finished", "{event}");
    assert_eq!(event["result"]["code"], 10, "{event}\n{}", daemon.logs());
    assert_eq!(event["input-status"], "no-input", "{event}");
    assert_eq!(event["attempts"], 2, "{event}");
    assert_eq!(event["digits"], "", "{event}");
    assert_signed(&got, SECRET);
}
