//! `callees`: one call per distinct number (duplicates, also with `callee`, dialled once),
//! an array response; with `disable-callees-validation` invalid numbers are skipped and
//! reported while the valid ones are dialled.

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn duplicates_are_dialled_once_and_responses_are_arrays() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    let mut body = otp_body();
    body["callee"] = json!("+31612345678");
    body["callees"] = json!([
        "+31612345678",
        "+4915112345678",
        "+31612345678",
        "+33612345678"
    ]);
    body["instruction-id"] = json!("batch-1");
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 200, "{resp}");
    let events = resp.as_array().expect("array for callees");
    let callees: Vec<&str> = events
        .iter()
        .map(|e| e["callee"].as_str().unwrap())
        .collect();
    assert_eq!(callees, ["+31612345678", "+4915112345678", "+33612345678"]);
    let mut ids = std::collections::HashSet::new();
    for e in events {
        assert_eq!(e["type"], "call-queued");
        assert_eq!(e["success"], true);
        assert_eq!(e["instruction-id"], "batch-1");
        assert_eq!(e["caller"], "+31201234567");
        assert!(ids.insert(e["call-id"].as_str().unwrap().to_owned()));
        d.wait_ended(e["call-id"].as_str().unwrap()).await;
    }
    let mut dialled: Vec<String> = exec.specs().into_iter().map(|s| s.callee).collect();
    dialled.sort();
    assert_eq!(dialled, ["+31612345678", "+33612345678", "+4915112345678"]);

    // A single-element `callees` is still an array.
    let mut body = otp_body();
    body.as_object_mut().unwrap().remove("callee");
    body["callees"] = json!(["+31612345678"]);
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 200);
    assert_eq!(resp.as_array().unwrap().len(), 1);
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn disabled_validation_skips_and_reports_invalid_numbers() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    let mut body = otp_body();
    body.as_object_mut().unwrap().remove("callee");
    body["callees"] = json!(["+31612345678", "12345", "+999123456789", "+33612345678"]);

    // Without the flag: 400 naming both bad entries, nothing dialled.
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = resp["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["callees[1]", "callees[2]"]);
    assert!(exec.specs().is_empty());

    body["disable-callees-validation"] = json!(true);
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 200, "{resp}");
    let events = resp.as_array().unwrap();
    let queued: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "call-queued")
        .map(|e| e["callee"].as_str().unwrap())
        .collect();
    assert_eq!(queued, ["+31612345678", "+33612345678"]);
    let skipped: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "call-skipped")
        .map(|e| e["callee"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["12345", "+999123456789"]);
    for e in events.iter().filter(|e| e["type"] == "call-skipped") {
        assert_eq!(e["success"], false);
        assert!(e["message"].as_str().unwrap().len() > 5);
        assert!(e.get("call-id").is_none());
    }
    for e in events.iter().filter(|e| e["type"] == "call-queued") {
        d.wait_ended(e["call-id"].as_str().unwrap()).await;
    }
    assert_eq!(exec.specs().len(), 2);

    // Nothing valid left to dial is still a 400.
    body["callees"] = json!(["12345"]);
    let (status, _) = d.otp(&body).await;
    assert_eq!(status, 400);
    d.daemon.shutdown().await.unwrap();
}
