//! SIGTERM with a live call: `voice-otp serve` stops intake, hangs the answered call up
//! with BYE (SIPp's scenario requires it and answers 200), records the call's CDR in the
//! store and exits 0; the finished event is delivered (before the exit, or from the
//! outbox by the next start on the same store).

use std::time::{Duration, Instant};

use serde_json::json;
use voice_otp_suite::e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_sends_bye_records_cdr_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "e2e_answer_wait_bye.xml", 1).await;
    let receiver = Receiver::start(&[]).await;
    let config = DaemonConfig::new(dir.path(), sipp.addr());
    let mut daemon = Daemon::start(config.clone()).await;

    // Ten characters, three replays with waits: this call would last well over 20 s.
    let mut body = otp_body("4829175036", &receiver.url());
    body["max-replays"] = json!(3);
    let call_id = daemon.otp_call(&body).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, _, live) = daemon.get(&format!("/v1/calls/{call_id}")).await;
        if live["state"] == "answered" {
            break;
        }
        assert!(Instant::now() < deadline, "call not answered: {live}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let t0 = Instant::now();
    daemon.sigterm();
    let status = daemon.wait_exit(Duration::from_secs(15)).await;
    assert_eq!(status.code(), Some(0), "{}", daemon.logs());
    assert!(t0.elapsed() < Duration::from_secs(10), "slow shutdown");
    sipp.assert_ok(Duration::from_secs(10)).await;
    assert!(
        sipp.messages().contains("BYE sip:"),
        "no BYE:\n{}",
        sipp.messages()
    );

    let db = rusqlite::Connection::open(config.db()).unwrap();
    let (result, answered): (Option<i64>, Option<i64>) = db
        .query_row(
            "SELECT result_code, answered_ms FROM calls WHERE call_id = ?1",
            [&call_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(result, Some(10), "the answered call's CDR is recorded");
    assert!(answered.is_some());
    drop(db);

    // The finished event arrives, from this run or from the outbox on the next start.
    let mut config = config;
    config.http_port = free_tcp_port();
    let restarted = Daemon::start(config).await;
    let got = receiver.wait_for(1, Duration::from_secs(15)).await;
    let event = got[0].json();
    assert_eq!(event["call-id"], call_id.as_str(), "{event}");
    assert_eq!(event["result"]["code"], 10, "{event}");
    assert_signed(&got[0], SECRET);
    let (status, text, cdr) = restarted.get(&format!("/v1/calls/{call_id}")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(cdr["state"], "ended", "{cdr}");
}
