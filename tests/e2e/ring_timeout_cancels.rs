//! No answer: the SIPp UAS rings (180) and never answers. With `max-ringing-timeout` 10
//! the daemon sends CANCEL after about 10 s (SIPp's scenario requires the CANCEL, answers
//! 200 + 487 and expects the ACK), and the finished event says result 9 (Cancelled).

use std::time::{Duration, Instant};

use serde_json::json;
use voice_otp_suite::e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_call_is_cancelled_after_max_ringing_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_ring_no_answer.xml", 1).await;
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), sipp.addr())).await;

    let mut body = otp_body("4829", &receiver.url());
    body["max-ringing-timeout"] = json!(10);
    let t0 = Instant::now();
    let call_id = daemon.otp_call(&body).await;
    let got = receiver.wait_for(1, Duration::from_secs(30)).await;
    let waited = t0.elapsed();
    let event = got[0].json();
    assert_eq!(event["call-id"], call_id.as_str(), "{event}");
    assert_eq!(event["result"]["code"], 9, "{event}");
    assert_eq!(event["result"]["description"], "Cancelled", "{event}");
    assert!(event["answered-on"].is_null(), "{event}");
    assert_eq!(event["code-read-count"], 0, "{event}");
    assert!(
        waited >= Duration::from_secs(10) && waited < Duration::from_secs(20),
        "cancelled after {waited:?}, expected about 10 s"
    );
    assert_signed(&got[0], SECRET);

    sipp.assert_ok(Duration::from_secs(10)).await;
    let messages = sipp.messages();
    assert!(
        messages.contains("CANCEL sip:"),
        "SIPp saw no CANCEL:\n{messages}"
    );
}
