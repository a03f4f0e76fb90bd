//! `require-keypress` end to end: the real daemon calls the built-in phone, says "press N
//! to hear your code", and reads the code only after key N (RFC 4733 from the phone).
//! N is random per call; the debug-only `VOICE_OTP_DEBUG_KEYPRESS_DIGIT` fixes it here so
//! the phone knows what to press.
//!
//! - The phone presses 7: the code is read, the callback says `keypress-check` "passed".
//! - The phone presses 3, then nothing: the prompt plays once more, the daemon hangs up
//!   with the code unread: `keypress-check` "failed", `code-read-count` 0.

use serde_json::{Value, json};
use voice_otp_phone::PhoneReport;
use voice_otp_suite::e2e::*;
use voice_otp_suite::phone::{PhoneCall, phone_trunk};

/// One OTP call with `require-keypress: true` to a phone that presses `press`.
async fn keypress_call(press: &str) -> (Value, Received, PhoneReport, Daemon, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let phone = phone_trunk(press).await;
    let mut config = DaemonConfig::new(dir.path(), phone.sip_addr().unwrap());
    config
        .env
        .push(("VOICE_OTP_DEBUG_KEYPRESS_DIGIT".to_owned(), "7".to_owned()));
    let daemon = Daemon::start(config).await;
    let receiver = Receiver::start(&[]).await;
    let call = PhoneCall::start(phone);
    let mut body = otp_body("4829", &receiver.url());
    body["require-keypress"] = json!(true);
    daemon.otp_call(&body).await;
    let (got, report) = call.finish(&receiver).await;
    (got.json(), got, report, daemon, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_is_read_after_the_asked_key() {
    let (event, got, report, daemon, _dir) = keypress_call("7").await;
    assert_eq!(report.pressed, "7");
    assert_eq!(event["type"], "otp-finished", "{event}");
    assert_eq!(event["result"]["code"], 10, "{event}\n{}", daemon.logs());
    assert_eq!(event["keypress-check"], "passed", "{event}");
    assert_eq!(event["code-read-count"], 1, "{event}");
    assert_eq!(event["dtmf"], "7", "{event}");
    assert_signed(&got, SECRET);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_then_none_hangs_up_with_the_code_unread() {
    let (event, got, report, daemon, _dir) = keypress_call("3").await;
    assert_eq!(report.pressed, "3");
    assert_eq!(event["result"]["code"], 10, "{event}\n{}", daemon.logs());
    assert_eq!(event["keypress-check"], "failed", "{event}");
    assert_eq!(event["code-read-count"], 0, "{event}");
    assert_eq!(event["dtmf"], "3", "{event}");
    assert_signed(&got, SECRET);
}
