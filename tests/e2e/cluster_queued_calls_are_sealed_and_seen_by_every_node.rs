//! Cluster mode's shared work queue, end to end: a node with one call slot, held by a call
//! that rings on a silent trunk, accepts a second OTP call, which waits in the shared queue.
//! A `pg_dump` taken while it waits holds the call (its id) but neither its code nor its
//! TTS prompt text, in clear or as the hex of a `bytea`: the spec waits sealed. Both nodes
//! answer `GET /v1/calls/{id}` for a call the other one holds: "queued" while it waits,
//! "dialling" once a second node with a free slot has claimed and placed it.

use std::time::{Duration, Instant};

use voice_otp_suite::e2e::*;

/// Letters no call id, time or number of the rows can hold by chance.
const CODE: &str = "QZXJ";
const PROMPT: &str = "Zebrafinch marmalade telescope";

async fn state(node: &Daemon, call_id: &str) -> String {
    let (status, text, call) = node.get(&format!("/v1/calls/{call_id}")).await;
    assert_eq!(status, 200, "{text}");
    call["state"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_call_is_sealed_in_the_database_and_seen_by_every_node() {
    let dir = tempfile::tempdir().unwrap();
    // A trunk that never answers: each INVITE rings (retransmitted) and holds its slot.
    let cluster = OneSlotNode::start(dir.path(), "voice_otp_queue_sealed").await;
    let (node_a, receiver, trunk, pg) = (
        &cluster.node_a,
        &cluster.receiver,
        &cluster.trunk,
        &cluster.pg,
    );

    let first = node_a.otp_call(&otp_body("7", &receiver.url())).await;
    let mut buf = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(10), trunk.recv_from(&mut buf))
        .await
        .expect("the first call's INVITE reaches the trunk")
        .unwrap();
    let mut body = otp_body(CODE, &receiver.url());
    body["callee"] = "+31687654321".into();
    body["intro-prompt"] = PROMPT.into();
    let second = node_a.otp_call(&body).await;
    // Node a's only slot is taken: the second call waits in the queue.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(state(node_a, &second).await, "queued");

    let dump = pg.dump("voice_otp_queue_sealed");
    assert!(dump.contains(&second), "the dump holds the queued call");
    // ...and its sealed spec (a bytea starting with the version byte 1), so what follows
    // looks at the spec while it waits.
    assert!(dump.contains("\\x01"), "the sealed spec is in the dump");
    for secret in [CODE, PROMPT] {
        assert!(
            !dump.contains(secret),
            "{secret:?} in the database in clear"
        );
        // A bytea is dumped as hex: an unsealed spec would show its text that way.
        let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(!dump.contains(&hex), "{secret:?} in the database as hex");
    }

    // A second node with a free slot claims and places the queued call; each node shows
    // the call the other holds from the store.
    let node_b = Daemon::start(cluster.next_node()).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while state(node_a, &second).await != "dialling" {
        assert!(
            Instant::now() < deadline,
            "the queued call was not placed by node b: {}",
            node_b.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ne!(state(&node_b, &second).await, "queued");
    assert_eq!(state(&node_b, &first).await, "dialling");
    // Dialled: the sealed spec is gone from the database too.
    let dump = pg.dump("voice_otp_queue_sealed");
    assert!(
        !dump.contains("\\x01"),
        "no sealed spec (version byte 1) left once both calls are dialled"
    );
}
