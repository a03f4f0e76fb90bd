//! Beyond `[calls] max-concurrent` calls are queued, never refused: every request gets its
//! `call-queued`, at most the limit execute at once, and all of them complete.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn calls_beyond_the_limit_wait_their_turn() {
    let env = Env::new();
    let mut config = env.config();
    config.calls.max_concurrent = 3;
    let exec = ScriptedExecutor::new(|_| Script {
        hold: Duration::from_millis(150),
        ..Script::default()
    });
    let d = TestDaemon::start(config, exec.clone()).await;
    let numbers: Vec<String> = (0..10).map(|i| format!("+3161234560{i}")).collect();
    let mut body = otp_body();
    body.as_object_mut().unwrap().remove("callee");
    body["callees"] = json!(numbers);
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 200, "{resp}");
    let events = resp.as_array().unwrap();
    assert_eq!(events.len(), 10);

    // Some are still queued while the first three run.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut states = Vec::new();
    for e in events {
        let (_, v) = d
            .get(&format!("/v1/calls/{}", e["call-id"].as_str().unwrap()))
            .await;
        states.push(v["state"].as_str().unwrap().to_owned());
    }
    assert!(
        states.iter().filter(|s| *s == "queued").count() >= 5,
        "{states:?}"
    );
    let metrics = d
        .client
        .get(d.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("voice_otp_calls_active 3"), "{metrics}");

    for e in events {
        let cdr = d.wait_ended(e["call-id"].as_str().unwrap()).await;
        assert_eq!(cdr["result"]["code"], 10);
    }
    assert_eq!(exec.specs().len(), 10);
    assert_eq!(exec.counters.max_running.load(Ordering::SeqCst), 3);
    d.daemon.shutdown().await.unwrap();
}

/// Each live call holds one RTP port pair, so a port range smaller than `max-concurrent`
/// lowers the number of calls that run at once instead of failing the excess.
#[tokio::test]
async fn a_small_rtp_port_range_queues_instead_of_failing() {
    let env = Env::new();
    let mut config = env.config();
    config.calls.max_concurrent = 1000;
    // 30000..=30003 holds two pairs: (30000, 30001) and (30002, 30003).
    config.rtp.ports.first = 30_000;
    config.rtp.ports.last = 30_003;
    assert_eq!(config.rtp.ports.pairs(), 2);
    let exec = ScriptedExecutor::new(|_| Script {
        hold: Duration::from_millis(100),
        ..Script::default()
    });
    let d = TestDaemon::start(config, exec.clone()).await;
    let numbers: Vec<String> = (0..6).map(|i| format!("+3161234560{i}")).collect();
    let mut body = otp_body();
    body.as_object_mut().unwrap().remove("callee");
    body["callees"] = json!(numbers);
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 200, "{resp}");
    for e in resp.as_array().unwrap() {
        let cdr = d.wait_ended(e["call-id"].as_str().unwrap()).await;
        assert_eq!(cdr["result"]["code"], 10);
    }
    assert_eq!(exec.counters.max_running.load(Ordering::SeqCst), 2);
    d.daemon.shutdown().await.unwrap();
}
