//! One instruction with three callees: three `call-queued` events, three INVITEs to the
//! trunk (one per callee, SIPp `-m 3` answers each and waits for our BYE), and three
//! finished events, one per call id and callee.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::json;
use voice_otp_suite::e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_callees_get_three_calls_and_three_callbacks() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "e2e_answer_wait_bye.xml", 3).await;
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), sipp.addr())).await;

    let callees = ["+31612345601", "+31612345602", "+31612345603"];
    let body = json!({
        "callees": callees,
        "caller": "+31201234567",
        "code": "48",
        "instruction-id": "e2e-three",
        "callback-url": receiver.url(),
    });
    let (status, text, queued) = daemon.otp(&body).await;
    assert_eq!(status, 200, "{text}");
    let queued = queued.as_array().expect("an array for callees");
    assert_eq!(queued.len(), 3, "{text}");
    let ids: BTreeSet<String> = queued
        .iter()
        .map(|e| e["call-id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3, "three distinct call ids: {text}");

    let got = receiver.wait_for(3, Duration::from_secs(40)).await;
    let events: Vec<_> = got.iter().map(Received::json).collect();
    let seen_ids: BTreeSet<String> = events
        .iter()
        .map(|e| e["call-id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen_ids, ids, "one callback per call");
    let seen_callees: BTreeSet<&str> = events
        .iter()
        .map(|e| e["callee"].as_str().unwrap())
        .collect();
    assert_eq!(seen_callees, callees.into_iter().collect());
    for (event, raw) in events.iter().zip(&got) {
        assert_eq!(event["result"]["code"], 10, "{event}");
        assert_eq!(event["instruction-id"], "e2e-three", "{event}");
        assert_eq!(event["code-read-count"], 1, "{event}");
        assert_signed(raw, SECRET);
    }

    sipp.assert_ok(Duration::from_secs(15)).await;
    let messages = sipp.messages();
    for callee in callees {
        assert!(
            messages.contains(&format!("INVITE sip:{callee}@")),
            "no INVITE for {callee}:\n{messages}"
        );
    }
    // No duplicate callbacks arrive later.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.all().len(), 3);
}
