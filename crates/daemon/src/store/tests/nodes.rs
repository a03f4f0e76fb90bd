//! Nodes on one database: a restart closes only its own orphans, a lost node's calls are
//! closed once by a survivor, a node that beats again is not lost.

use super::*;

const TIMEOUT: i64 = 15_000;

/// The call of tenant `acme`, which must exist.
async fn call(store: &Store, id: &str) -> crate::store::CallRecord {
    store
        .get_call(id.into(), "acme".into())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("call {id} stored"))
}

/// Calls of one callee each, accepted by `store`.
async fn accept(store: &Store, calls: &[(&str, &str)], at: i64) {
    for call in calls {
        insert(store, instruction("acme", None, &[*call], at)).await;
    }
}

pub(super) async fn close_orphans_of_own_node_only(f: Fixture) {
    let node_a = f.open("node-a").await;
    let node_b = f.open("node-b").await;
    accept(&node_a, &[("a1", "+31611111111")], T0).await;
    accept(
        &node_b,
        &[("b1", "+31622222222"), ("b2", "+31633333333")],
        T0,
    )
    .await;
    node_b
        .finish_call("b2".into(), outcome(10, T0), T0 + 1000)
        .await
        .unwrap();

    let closed = node_b.close_orphans(T0 + 5000).await.unwrap();
    let b1 = call(&node_b, "b1").await.outcome.expect("b1 closed");
    assert_eq!((b1.result_code, b1.ended_ms), (11, T0 + 5000));
    assert!(b1.sip_reason.unwrap().contains("restarted"));
    let a1 = call(&node_a, "a1").await;
    if f.shared_by_nodes {
        // PostgreSQL: node a's live call is not node b's to end.
        assert_eq!(closed, 1);
        assert!(a1.outcome.is_none());
    } else {
        // SQLite: one file serves one daemon, so every open call was its own.
        assert_eq!(closed, 2);
        assert!(a1.outcome.is_some());
    }
    // The orphan's callback is queued; a second pass finds nothing.
    let due = node_b
        .due_callbacks(T0 + 5000, 10, OutboxSkip::default(), LEASE)
        .await
        .unwrap();
    assert!(due.iter().any(|d| d.call_id == "b1"));
    assert_eq!(node_b.close_orphans(T0 + 6000).await.unwrap(), 0);
}

pub(super) async fn lost_node_calls_are_closed_once(f: Fixture) {
    let node_a = f.open("node-a").await;
    let node_b = f.open("node-b").await;
    accept(
        &node_a,
        &[("a1", "+31611111111"), ("a2", "+31622222222")],
        T0,
    )
    .await;
    accept(&node_b, &[("b1", "+31633333333")], T0).await;
    node_a
        .finish_call("a2".into(), outcome(10, T0), T0 + 1000)
        .await
        .unwrap();
    node_a.heartbeat(T0).await.unwrap();
    node_b.heartbeat(T0).await.unwrap();

    // Silent for exactly the timeout: not yet lost. A node never finds itself lost.
    assert!(
        node_b
            .lost_nodes(T0 + TIMEOUT, TIMEOUT)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        node_a.lost_nodes(T0 + 60_000, TIMEOUT).await.unwrap(),
        ["node-b"]
    );
    node_b.heartbeat(T0 + 20_000).await.unwrap();
    assert_eq!(
        node_b.lost_nodes(T0 + 20_000, TIMEOUT).await.unwrap(),
        ["node-a"]
    );

    // The liveness round of node b: its own heartbeat, then node a's open call closed.
    assert_eq!(crate::store::liveness::round(&node_b, T0 + 20_000).await, 1);
    let a1 = call(&node_b, "a1").await.outcome.expect("a1 closed");
    assert_eq!((a1.result_code, a1.ended_ms), (11, T0 + 20_000));
    assert_eq!(a1.sip_reason.as_deref(), Some("node lost"));
    let due = node_b
        .due_callbacks(T0 + 20_000, 10, OutboxSkip::default(), LEASE)
        .await
        .unwrap();
    assert_eq!(due.iter().filter(|d| d.call_id == "a1").count(), 1);
    // Its ended call keeps its outcome; node b's own call is untouched.
    assert_eq!(call(&node_b, "a2").await.outcome.unwrap().result_code, 10);
    assert!(call(&node_b, "b1").await.outcome.is_none());

    // Closed once: the node is forgotten, a second survivor finds nothing.
    assert!(
        node_b
            .lost_nodes(T0 + 21_000, TIMEOUT)
            .await
            .unwrap()
            .is_empty()
    );
    let again = node_b.close_calls_of_node("node-a".into(), T0 + 21_000, TIMEOUT);
    assert_eq!(again.await.unwrap(), 0);
}

pub(super) async fn a_node_that_beats_again_is_not_lost(f: Fixture) {
    let node_a = f.open("node-a").await;
    let node_b = f.open("node-b").await;
    accept(&node_a, &[("a1", "+31611111111")], T0).await;
    node_a.heartbeat(T0).await.unwrap();
    assert_eq!(
        node_b.lost_nodes(T0 + 20_000, TIMEOUT).await.unwrap(),
        ["node-a"]
    );
    // Node a beats before the survivor acts on what it read: nothing is closed.
    node_a.heartbeat(T0 + 21_000).await.unwrap();
    let close = node_b.close_calls_of_node("node-a".into(), T0 + 22_000, TIMEOUT);
    assert_eq!(close.await.unwrap(), 0);
    assert!(call(&node_b, "a1").await.outcome.is_none());
    assert!(
        node_b
            .lost_nodes(T0 + 22_000, TIMEOUT)
            .await
            .unwrap()
            .is_empty()
    );
}
