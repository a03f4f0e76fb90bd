//! A busy callee: the SIPp UAS answers the INVITE with 486 Busy Here; the daemon ACKs it,
//! and the signed finished event says result 12 (Rejected) with `sip-disconnect-code` 486,
//! never answered, duration 0, no reading.

use std::time::Duration;

use voice_otp_suite::e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_callee_gives_result_12_with_486() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_busy_486.xml", 1).await;
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), sipp.addr())).await;

    let call_id = daemon.otp_call(&otp_body("4829", &receiver.url())).await;
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    let event = got[0].json();
    assert_eq!(event["call-id"], call_id.as_str(), "{event}");
    assert_eq!(event["result"]["code"], 12, "{event}");
    assert_eq!(event["result"]["description"], "Rejected", "{event}");
    assert_eq!(event["result"]["sip-disconnect-code"], 486, "{event}");
    assert!(event["answered-on"].is_null(), "{event}");
    assert_eq!(event["duration"], 0.0, "{event}");
    assert_eq!(event["code-read-count"], 0, "{event}");
    assert_signed(&got[0], SECRET);
    // SIPp's scenario ends with our ACK of the 486.
    sipp.assert_ok(Duration::from_secs(10)).await;
}
