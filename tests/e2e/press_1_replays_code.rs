//! Answer + press 1 end to end: the real daemon dials a SIPp UAS that answers and plays
//! SIPp's own `dtmf_2833_1.pcap` (key 1 as RFC 4733 telephone-event).
//!
//! - Pressed after the first reading, in the replay wait: the code is read again to the
//!   end, the daemon hangs up with BYE, and the signed finished event says result 10,
//!   `replays` 1, `dtmf` "1", `code-read-count` 2; `/metrics` counts the capture's RTP
//!   packets and the one key press from the real media engine.
//! - Pressed while the first reading is still playing: the reading restarts at once (spec
//!   4b), so it counts as one replay but only one reading reaches the end
//!   (`code-read-count` counts readings read to the end, spec section 3).

use std::time::Duration;

use serde_json::{Value, json};
use voice_otp_suite::e2e::*;

/// Places one call against `scenario`; the temp dir is returned so the daemon outlives it.
async fn call_with(
    scenario: &str,
    instruction: &str,
) -> (Value, Received, Daemon, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), scenario, 1).await;
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), sipp.addr())).await;

    let mut body = otp_body("4829", &receiver.url());
    body["max-replays"] = json!(1);
    body["instruction-id"] = json!(instruction);
    let call_id = daemon.otp_call(&body).await;

    let got = receiver.wait_for(1, Duration::from_secs(40)).await;
    let event = got[0].json();
    // The daemon hung up: SIPp's scenario ends on our BYE.
    sipp.assert_ok(Duration::from_secs(15)).await;
    let messages = sipp.messages();
    assert!(
        messages.contains("BYE sip:"),
        "no BYE from the daemon:\n{messages}"
    );
    (event, got[0].clone(), daemon, call_id, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn press_1_in_the_replay_wait_reads_the_code_twice() {
    let (event, got, daemon, call_id, _dir) =
        call_with("e2e_answer_press1_in_wait.xml", "e2e-press-1-wait").await;
    assert_eq!(event["type"], "otp-finished", "{event}");
    assert_eq!(event["call-id"], call_id.as_str(), "{event}");
    assert_eq!(event["instruction-id"], "e2e-press-1-wait", "{event}");
    assert_eq!(event["result"]["code"], 10, "{event}");
    assert_eq!(event["result"]["sip-disconnect-code"], 200, "{event}");
    assert_eq!(event["replays"], 1, "{event}");
    assert_eq!(event["dtmf"], "1", "{event}");
    assert_eq!(event["code-read-count"], 2, "{event}");
    assert!(event["answered-on"].is_string(), "{event}");
    assert_signed(&got, SECRET);

    let (status, text, cdr) = daemon.get(&format!("/v1/calls/{call_id}")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(cdr["code-read-count"], 2, "{cdr}");
    assert_eq!(cdr["dtmf"], "1", "{cdr}");

    // `/metrics` reads the media engine's real figures: the capture's 10 telephone-event
    // packets were received, and the key press they carry counted once.
    let (status, metrics, _) = daemon.get("/metrics").await;
    assert_eq!(status, 200, "{metrics}");
    for line in [
        "voice_otp_rtp_packets_total{direction=\"received\"} 10",
        "voice_otp_dtmf_events_total 1",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing {line:?} in\n{metrics}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn press_1_during_the_first_reading_restarts_it() {
    let (event, got, _daemon, _, _dir) =
        call_with("e2e_answer_press1_mid_code.xml", "e2e-press-1-mid").await;
    assert_eq!(event["result"]["code"], 10, "{event}");
    assert_eq!(event["replays"], 1, "{event}");
    assert_eq!(event["dtmf"], "1", "{event}");
    assert_eq!(event["code-read-count"], 1, "{event}");
    assert_signed(&got, SECRET);
}
