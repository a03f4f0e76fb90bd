//! Graceful shutdown: intake stops (503 for new instructions), live calls are told to hang
//! up and their outcomes are stored with their callbacks, queued calls are recorded as
//! cancelled without being dialled, and the store is left consistent.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn shutdown_waits_for_live_calls_and_refuses_new_ones() {
    let env = Env::new();
    let mut config = env.config();
    config.calls.max_concurrent = 2;
    let exec = ScriptedExecutor::new(|_| Script {
        hold: Duration::from_secs(60),
        ..Script::default()
    });
    let d = TestDaemon::start(config, exec.clone()).await;
    let mut body = otp_body();
    body.as_object_mut().unwrap().remove("callee");
    body["callees"] = json!(["+31612345601", "+31612345602", "+31612345603"]);
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 200);
    let ids: Vec<String> = resp
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["call-id"].as_str().unwrap().to_owned())
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while exec.counters.running.load(Ordering::SeqCst) < 2 {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let base = d.base.clone();
    let client = d.client.clone();
    let t0 = std::time::Instant::now();
    d.daemon.shutdown().await.unwrap();
    // The held calls (60 s) ended because they were told to stop: well before their 60 s,
    // with room for a loaded machine.
    assert!(t0.elapsed() < Duration::from_secs(30), "{:?}", t0.elapsed());
    assert_eq!(exec.counters.shutdowns_seen.load(Ordering::SeqCst), 2);
    assert_eq!(exec.specs().len(), 2, "the queued call must not be dialled");
    // The server is gone.
    assert!(client.get(format!("{base}/healthz")).send().await.is_err());

    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let mut results = Vec::new();
    for id in &ids {
        let code: Option<i64> = conn
            .query_row(
                "SELECT result_code FROM calls WHERE call_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        results.push(code.expect("every call has an outcome"));
    }
    results.sort();
    assert_eq!(results, [9, 10, 10]);
}

#[tokio::test]
async fn new_instructions_get_503_while_stopping() {
    let env = Env::new();
    let exec = ScriptedExecutor::new(|_| Script {
        hold: Duration::from_secs(60),
        ..Script::default()
    });
    // A runner that takes a while to hang up keeps the daemon in its stopping phase.
    struct SlowStop(std::sync::Arc<ScriptedExecutor>);
    impl voice_otp_call::CallExecutor for SlowStop {
        fn execute(
            &self,
            spec: voice_otp_call::CallSpec,
            progress: voice_otp_call::ProgressFn,
            shutdown: tokio::sync::watch::Receiver<bool>,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = voice_otp_call::CallOutcome> + Send>>
        {
            let inner = self.0.execute(spec, progress, shutdown);
            Box::pin(async move {
                let o = inner.await;
                tokio::time::sleep(Duration::from_millis(800)).await;
                o
            })
        }
    }
    let d = TestDaemon::start(env.config(), std::sync::Arc::new(SlowStop(exec.clone()))).await;
    let (status, _) = d.otp(&otp_body()).await;
    assert_eq!(status, 200);
    while exec.counters.running.load(Ordering::SeqCst) < 1 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let url = d.url("/voiceapi/v2/OTP");
    let health = d.url("/healthz");
    let client = d.client.clone();
    let stopper = tokio::spawn(d.daemon.shutdown());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let resp = client
        .post(&url)
        .header("X-CM-PRODUCTTOKEN", TOKEN)
        .json(&otp_body())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["success"], false);
    let resp = client.get(&health).send().await.unwrap();
    assert_eq!(resp.status(), 503);
    stopper.await.unwrap().unwrap();
    assert_eq!(exec.specs().len(), 1);
}
