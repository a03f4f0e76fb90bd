//! `GET /v1/cdrs` returns ended calls newest first, filtered by `since`/`until` (on
//! `started-on`, until exclusive), `instruction-id` and `limit`; `GET /v1/calls/{id}` gives
//! the live state of a running call and the CDR once it has ended.

use std::time::Duration;

use crate::common::*;
use serde_json::{Value, json};
use voice_otp_call::ResultCode;

#[tokio::test]
async fn cdrs_filter_and_order() {
    let env = Env::new();
    let exec = ScriptedExecutor::new(|spec| match spec.instruction_id.as_deref() {
        Some("busy") => Script {
            result: ResultCode::Rejected,
            answered: false,
            sip: Some((486, "Busy Here")),
            readings: 0,
            replays: 0,
            dtmf: "",
            ..Script::default()
        },
        _ => Script::default(),
    });
    let d = TestDaemon::start(env.config(), exec).await;
    let mut ids = Vec::new();
    let mut started = Vec::new();
    // Distinct ids: a repeated instruction-id would get the first answer again.
    for (i, inst) in ["a", "b", "busy", "a2"].iter().enumerate() {
        let mut body = otp_body();
        body["instruction-id"] = json!(inst);
        body["callee"] = json!(format!("+3161234567{i}"));
        let (status, resp) = d.otp(&body).await;
        assert_eq!(status, 200);
        let id = resp["call-id"].as_str().unwrap().to_owned();
        let cdr = d.wait_ended(&id).await;
        started.push(cdr["started-on"].as_str().unwrap().to_owned());
        ids.push(id);
        // Distinct millisecond timestamps for the since/until edges.
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    let list = |q: &str| {
        let q = q.to_owned();
        let d = &d;
        async move {
            let (status, body) = d.get(&format!("/v1/cdrs{q}")).await;
            assert_eq!(status, 200, "{q}: {body}");
            body.as_array()
                .unwrap()
                .iter()
                .map(|c| c["call-id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let rev: Vec<String> = ids.iter().rev().cloned().collect();
    assert_eq!(list("").await, rev);
    assert_eq!(list("?limit=2").await, rev[..2]);
    // An exact match: "a2" is not "a".
    assert_eq!(list("?instruction-id=a").await, [ids[0].clone()]);
    assert_eq!(list("?instruction-id=a2").await, [ids[3].clone()]);
    assert_eq!(list(&format!("?since={}", started[1])).await, rev[..3]);
    assert_eq!(
        list(&format!("?until={}", started[1])).await,
        [ids[0].clone()]
    );
    assert_eq!(
        list(&format!(
            "?since={}&until={}&instruction-id=busy",
            started[0], started[3]
        ))
        .await,
        [ids[2].clone()]
    );
    assert!(list("?since=2099-01-01T00:00:00Z").await.is_empty());

    let (_, all) = d.get("/v1/cdrs").await;
    let busy = all
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["instruction-id"] == "busy")
        .unwrap();
    assert_eq!(busy["result"]["code"], 12);
    assert_eq!(busy["result"]["description"], "Rejected");
    assert_eq!(busy["result"]["sip-disconnect-code"], 486);
    assert_eq!(busy["answered-on"], Value::Null);
    assert_eq!(busy["duration"], 0.0);

    for bad in [
        "?since=yesterday",
        "?until=1",
        "?limit=0",
        "?limit=1001",
        "?limit=x",
    ] {
        let (status, body) = d.get(&format!("/v1/cdrs{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, _) = d
        .get("/v1/calls/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(status, 404);
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_running_call_shows_its_live_state_then_its_cdr() {
    let env = Env::new();
    let exec = ScriptedExecutor::new(|_| Script {
        hold: Duration::from_millis(600),
        ..Script::default()
    });
    let d = TestDaemon::start(env.config(), exec).await;
    let (_, resp) = d.otp(&otp_body()).await;
    let id = resp["call-id"].as_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (status, live) = d.get(&format!("/v1/calls/{id}")).await;
        assert_eq!(status, 200);
        if live["state"] == "answered" {
            assert_eq!(live["type"], "call-status");
            assert_eq!(live["result"], Value::Null);
            assert_eq!(live["callee"], "+31612345678");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never answered: {live}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let ended = d.wait_ended(&id).await;
    assert_eq!(ended["type"], "otp-finished");
    assert_eq!(ended["result"]["code"], 10);
    // GET /v1/calls/{id} is the finished event plus `state`.
    let (_, cdrs) = d.get("/v1/cdrs").await;
    assert_eq!(cdrs[0], ended);
    d.daemon.shutdown().await.unwrap();
}
