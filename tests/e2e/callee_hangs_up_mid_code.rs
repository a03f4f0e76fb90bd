//! The far end hangs up while the code is being read: SIPp answers and sends BYE 1.2 s
//! later. The daemon answers the BYE with 200 (SIPp's scenario requires it), ends the call
//! cleanly with result 10 and a partial reading (`code-read-count` 0), and the CDR is
//! served by `GET /v1/calls/{id}` and listed by `GET /v1/cdrs`.

use std::time::Duration;

use serde_json::json;
use voice_otp_suite::e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callee_bye_mid_code_ends_cleanly_with_a_cdr() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "e2e_hangup_mid_code.xml", 1).await;
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), sipp.addr())).await;

    // Ten characters take several seconds to read: the BYE at 1.2 s is mid-code.
    let mut body = otp_body("4829175036", &receiver.url());
    body["instruction-id"] = json!("e2e-hangup");
    let call_id = daemon.otp_call(&body).await;
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    let event = got[0].json();
    assert_eq!(event["call-id"], call_id.as_str(), "{event}");
    assert_eq!(event["result"]["code"], 10, "{event}");
    assert_eq!(event["code-read-count"], 0, "{event}");
    assert!(event["answered-on"].is_string(), "{event}");
    let duration = event["duration"].as_f64().unwrap();
    assert!(
        (1.0..4.0).contains(&duration),
        "the call lasted until the callee's BYE: {event}"
    );
    assert_signed(&got[0], SECRET);
    sipp.assert_ok(Duration::from_secs(10)).await;

    let (status, text, cdr) = daemon.get(&format!("/v1/calls/{call_id}")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(cdr["call-id"], call_id.as_str(), "{cdr}");
    assert_eq!(cdr["result"]["code"], 10, "{cdr}");
    assert_eq!(cdr["code-read-count"], 0, "{cdr}");
    assert_eq!(cdr["answered-on"], event["answered-on"], "{cdr}");

    let (status, text, cdrs) = daemon.get("/v1/cdrs?instruction-id=e2e-hangup").await;
    assert_eq!(status, 200, "{text}");
    let listed = cdrs
        .as_array()
        .or_else(|| cdrs["cdrs"].as_array())
        .unwrap_or_else(|| panic!("CDR list in {text}"));
    assert_eq!(listed.len(), 1, "{text}");
    assert_eq!(listed[0]["call-id"], call_id.as_str(), "{text}");
    assert_eq!(listed[0]["result"]["code"], 10, "{text}");
}
