//! Cluster mode: a node stopped gracefully (SIGTERM) ends its live call as on a single
//! node, but a call waiting in the shared queue is not cancelled with it: it stays queued
//! and the next node with a free slot places it. (A single node's in-memory queue records
//! such a call as "daemon shutting down".)

use std::time::{Duration, Instant};

use voice_otp_suite::e2e::*;
use voice_otp_testkit::postgres::Postgres;

async fn call(node: &Daemon, call_id: &str) -> serde_json::Value {
    let (status, text, call) = node.get(&format!("/v1/calls/{call_id}")).await;
    assert_eq!(status, 200, "{text}");
    call
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_node_leaves_its_queued_call_to_the_next_node() {
    let pg = Postgres::start();
    let url = pg.create_database("voice_otp_shutdown_queue");
    let dir = tempfile::tempdir().unwrap();
    // A trunk that rings and never answers (it answers a CANCEL): the first call holds
    // node a's only slot.
    let sipp = sipp_trunk(dir.path(), "uas_ring_no_answer.xml", 2).await;
    let receiver = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config.store_url = Some(url);
    config.calls_extra = "max-concurrent = 1".to_owned();
    let mut node_a = Daemon::start(config.clone()).await;
    let live = node_a.otp_call(&otp_body("7", &receiver.url())).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while call(&node_a, &live).await["state"] != "ringing" {
        assert!(Instant::now() < deadline, "the first call never rang");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut body = otp_body("7", &receiver.url());
    body["callee"] = "+31687654321".into();
    let waiting = node_a.otp_call(&body).await;
    assert_eq!(call(&node_a, &waiting).await["state"], "queued");

    node_a.sigterm();
    let stopped = node_a.wait_exit(Duration::from_secs(20)).await;
    assert!(stopped.success(), "{}", node_a.logs());
    // The live call ended with node a; the queued one did not.
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got[0].json()["call-id"], live.as_str());

    config.http_port = free_tcp_port();
    config.rtp = rtp_range();
    let node_b = Daemon::start(config).await;
    let waited = call(&node_b, &waiting).await;
    assert!(
        waited["result"].is_null(),
        "cancelled with node a: {waited}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while call(&node_b, &waiting).await["state"] == "queued" {
        assert!(
            Instant::now() < deadline,
            "node b did not place the queued call: {}",
            node_b.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(call(&node_b, &waiting).await["result"].is_null());
    assert_eq!(receiver.all().len(), 1, "only the live call called back");
}
