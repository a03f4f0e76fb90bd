//! `auto-replay` with `max-replays` 2: the code is read three times in a row without any
//! key press, then the daemon hangs up with BYE; the finished event says
//! `code-read-count` 3, `replays` 2, no DTMF, result 10.

use std::time::Duration;

use serde_json::json;
use voice_otp_suite::e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_replay_with_two_replays_reads_three_times() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "e2e_answer_wait_bye.xml", 1).await;
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), sipp.addr())).await;

    let mut body = otp_body("482", &receiver.url());
    body["max-replays"] = json!(2);
    body["auto-replay"] = json!(true);
    let call_id = daemon.otp_call(&body).await;
    let got = receiver.wait_for(1, Duration::from_secs(45)).await;
    let event = got[0].json();
    assert_eq!(event["call-id"], call_id.as_str(), "{event}");
    assert_eq!(event["result"]["code"], 10, "{event}");
    assert_eq!(event["code-read-count"], 3, "{event}");
    assert_eq!(event["replays"], 2, "{event}");
    assert_eq!(event["dtmf"], "", "{event}");
    // Three readings of three spelled characters take seconds, not a blink.
    assert!(event["duration"].as_f64().unwrap() > 3.0, "{event}");
    assert_signed(&got[0], SECRET);
    sipp.assert_ok(Duration::from_secs(15)).await;
}
