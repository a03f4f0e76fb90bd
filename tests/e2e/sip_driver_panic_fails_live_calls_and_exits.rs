//! The SIP driver task dies with a call live (the debug build's failpoint, set off by a
//! datagram from the trunk): `voice-otp serve` logs it, records the answered call as 11
//! "SIP signalling lost" and exits non-zero so the service manager restarts it; the finished
//! event reaches the receiver (from this run or from the outbox on the next start). Without
//! the supervision the daemon would run on with a dead endpoint, the call would never end
//! and the process would not exit.

use std::time::{Duration, Instant};

use serde_json::json;
use voice_otp_suite::e2e::*;

const MARKER: &str = "sip-driver-panic-7f3a";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sip_driver_panic_records_11_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "e2e_answer_then_panic_marker.xml", 1).await;
    let receiver = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config.env.push((
        "VOICE_OTP_DEBUG_SIP_PANIC_MARKER".to_owned(),
        MARKER.to_owned(),
    ));
    let mut daemon = Daemon::start(config.clone()).await;

    // Long enough to be still reading when the driver dies 1.5 s after the answer.
    let mut body = otp_body("4829175036", &receiver.url());
    body["max-replays"] = json!(3);
    let call_id = daemon.otp_call(&body).await;

    let status = daemon.wait_exit(Duration::from_secs(30)).await;
    let logs = daemon.logs();
    assert_ne!(status.code(), Some(0), "serve must exit non-zero:\n{logs}");
    assert!(
        logs.contains("the SIP driver task panicked"),
        "supervisor did not notice:\n{logs}"
    );
    sipp.assert_ok(Duration::from_secs(10)).await;

    let db = rusqlite::Connection::open(config.db()).unwrap();
    let (result, answered, reason): (Option<i64>, Option<i64>, Option<String>) = db
        .query_row(
            "SELECT result_code, answered_ms, sip_reason FROM calls WHERE call_id = ?1",
            [&call_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        result,
        Some(11),
        "the live call is recorded as failed:\n{logs}"
    );
    assert!(answered.is_some(), "the call had been answered");
    assert_eq!(reason.as_deref(), Some("SIP signalling lost"));
    drop(db);

    // The finished event arrives, from this run or from the outbox on the next start.
    config.http_port = free_tcp_port();
    config.env.clear();
    let t0 = Instant::now();
    let _restarted = Daemon::start(config).await;
    let got = receiver.wait_for(1, Duration::from_secs(15)).await;
    let event = got[0].json();
    assert_eq!(event["call-id"], call_id.as_str(), "{event}");
    assert_eq!(event["result"]["code"], 11, "{event}");
    assert_signed(&got[0], SECRET);
    assert!(t0.elapsed() < Duration::from_secs(15));
}
