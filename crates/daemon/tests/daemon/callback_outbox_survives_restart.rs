//! A callback that could not be delivered stays in the store's outbox: after the daemon is
//! dropped (as a crash would) and started again on the same database, it is delivered.

use std::time::Duration;

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn pending_callback_is_delivered_after_restart() {
    let env = Env::new();
    // The receiver refuses everything while the first daemon runs.
    let receiver = Receiver::start(&[500; 100]).await;
    let mut config = env.config();
    config.callbacks.initial_backoff = Duration::from_secs(1);
    config.callbacks.max_backoff = Duration::from_secs(1);
    let d = TestDaemon::start(config.clone(), ScriptedExecutor::finished()).await;
    let mut body = otp_body();
    body["callback-url"] = json!(receiver.url());
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 200);
    let call_id = resp["call-id"].as_str().unwrap().to_owned();
    receiver.wait_for(1, Duration::from_secs(10)).await;
    // Crash: no graceful shutdown. The retry was due 0.5 to 1 s later.
    drop(d);
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let pending: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE delivered_ms IS NULL AND gave_up = 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        pending, 1,
        "the callback must still be pending in the store"
    );
    drop(conn);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let before_restart = receiver.all().len();
    receiver.set_statuses(&[]);

    let d2 = TestDaemon::start(config, ScriptedExecutor::finished()).await;
    let got = receiver
        .wait_for(before_restart + 1, Duration::from_secs(10))
        .await;
    let event: serde_json::Value = serde_json::from_slice(&got.last().unwrap().body).unwrap();
    assert_eq!(event["call-id"], call_id);
    let cdr = d2.wait_ended(&call_id).await;
    assert_eq!(cdr["result"]["code"], 10);
    d2.daemon.shutdown().await.unwrap();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let delivered: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE delivered_ms IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(delivered, 1);
    assert_eq!(
        receiver.all().len(),
        before_restart + 1,
        "delivered exactly once after restart"
    );
}

#[tokio::test]
async fn calls_cut_off_by_a_crash_get_a_cdr_and_callback_on_restart() {
    let env = Env::new();
    let receiver = Receiver::start(&[]).await;
    let config = env.config();
    let exec = ScriptedExecutor::new(|_| Script {
        hold: Duration::from_secs(30),
        ..Script::default()
    });
    let d = TestDaemon::start(config.clone(), exec).await;
    let mut body = otp_body();
    body["callback-url"] = json!(receiver.url());
    let (_, resp) = d.otp(&body).await;
    let call_id = resp["call-id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(d);

    let d2 = TestDaemon::start(config, ScriptedExecutor::finished()).await;
    let cdr = d2.wait_ended(&call_id).await;
    assert_eq!(cdr["result"]["code"], 11);
    assert_eq!(cdr["answered-on"], serde_json::Value::Null);
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    let event: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(event["call-id"], call_id);
    d2.daemon.shutdown().await.unwrap();
}
