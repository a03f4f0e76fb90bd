//! The shared work queue (PostgreSQL; SQLite runs its calls in memory and has none): calls
//! stored queued with their sealed specs, claimed once by racing nodes, dialled only by the
//! node that still holds the claim, a lost or restarted node's claims queued again, sealed
//! specs gone once a call is dialled or ended.

use super::*;
use crate::store::{PgStore, QueueState};

const TIMEOUT: i64 = 15_000;

/// An instruction of one call per `(call id, callee)`, queued with a stand-in sealed spec
/// (the store keeps the bytes; sealing is `cluster::sealed`'s).
fn queued(calls: &[(&str, &str)], at: i64) -> NewInstruction {
    let mut ins = instruction("acme", None, calls, at);
    ins.sealed_specs = calls
        .iter()
        .map(|(id, _)| format!("sealed:{id}").into_bytes())
        .collect();
    ins
}

async fn state(store: &Store, id: &str) -> Option<QueueState> {
    let call = store.get_call(id.into(), "acme".into()).await.unwrap();
    call.expect("call stored").queue_state
}

/// The `(state, node, has sealed_spec)` of a call, read directly.
async fn row(store: &PgStore, id: &str) -> (String, Option<String>, bool) {
    let client = store.pool().get().await.unwrap();
    let r = client
        .query_one(
            "SELECT state, node, sealed_spec IS NOT NULL FROM calls WHERE call_id = $1",
            &[&id],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1), r.get(2))
}

async fn claim(store: &Store, limit: u32) -> Vec<String> {
    let pg = store.as_postgres().expect("postgres");
    let got = pg.claim_queued(limit).await.unwrap();
    for c in &got {
        assert_eq!(c.sealed, format!("sealed:{}", c.call_id).into_bytes());
    }
    got.into_iter().map(|c| c.call_id).collect()
}

pub(super) async fn queued_calls_are_claimed_once_and_dialled_by_their_claimer(f: Fixture) {
    if !f.shared_by_nodes {
        return;
    }
    let node_a = f.open("node-a").await;
    let node_b = f.open("node-b").await;
    insert(
        &node_a,
        queued(&[("q1", "+31611111111"), ("q2", "+31622222222")], T0),
    )
    .await;
    insert(&node_a, queued(&[("q3", "+31633333333")], T0)).await;
    // Queued with no node: any node sees it as queued.
    assert_eq!(state(&node_b, "q1").await, Some(QueueState::Queued));
    let pg_a = node_a.as_postgres().unwrap();
    assert_eq!(row(pg_a, "q1").await, ("queued".into(), None, true));

    // Oldest first, up to the limit; a second claimer gets the rest, never the same call.
    assert_eq!(claim(&node_b, 2).await, ["q1", "q2"]);
    assert_eq!(claim(&node_a, 5).await, ["q3"]);
    assert!(claim(&node_a, 5).await.is_empty());
    assert_eq!(state(&node_a, "q1").await, Some(QueueState::Claimed));

    // Only the claimer dials it; dialling forgets the sealed spec.
    let pg_b = node_b.as_postgres().unwrap();
    assert!(!pg_a.start_dialling("q1").await.unwrap());
    assert!(pg_b.start_dialling("q1").await.unwrap());
    assert!(!pg_b.start_dialling("q1").await.unwrap(), "once");
    assert_eq!(
        row(pg_a, "q1").await,
        ("dialling".into(), Some("node-b".into()), false)
    );
    assert_eq!(state(&node_a, "q1").await, Some(QueueState::Dialling));

    // Ending forgets it too, however the call ends (here never dialled).
    node_b
        .finish_call("q2".into(), outcome(11, T0), T0 + 100)
        .await
        .unwrap();
    assert_eq!(
        row(pg_a, "q2").await,
        ("ended".into(), Some("node-b".into()), false)
    );
    assert!(
        !pg_b.start_dialling("q2").await.unwrap(),
        "an ended call is not dialled"
    );

    // A stopping node gives its claims back: queued again, sealed spec kept, NOTIFY sent.
    assert_eq!(pg_a.release_claimed(None).await.unwrap(), 1);
    assert_eq!(row(pg_a, "q3").await, ("queued".into(), None, true));
    assert!(!pg_a.start_dialling("q3").await.unwrap());
    assert_eq!(claim(&node_b, 5).await, ["q3"]);
}

pub(super) async fn racing_nodes_claim_each_queued_call_once(f: Fixture) {
    if !f.shared_by_nodes {
        return;
    }
    let setup = f.open("setup").await;
    let nodes = open_nodes(&f, 8).await;
    for round in 0..6 {
        let mut ids = Vec::new();
        for i in 0..40 {
            let id = format!("r{round}-{i}");
            let callee = format!("+3163{round:02}{i:05}");
            insert(&setup, queued(&[(&id, &callee)], T0)).await;
            ids.push(id);
        }
        let all = race_to_drain(&nodes, |node| async move { claim(&node, 7).await }).await;
        ids.sort();
        assert_eq!(all, ids, "round {round}: every call claimed by one node");
    }
}

pub(super) async fn a_lost_nodes_claims_are_queued_again_and_its_dialled_calls_closed(f: Fixture) {
    if !f.shared_by_nodes {
        return;
    }
    let node_a = f.open("node-a").await;
    let node_b = f.open("node-b").await;
    insert(
        &node_a,
        queued(
            &[
                ("d1", "+31611111111"),
                ("c1", "+31622222222"),
                ("w1", "+31633333333"),
            ],
            T0,
        ),
    )
    .await;
    assert_eq!(claim(&node_a, 2).await, ["d1", "c1"]);
    let pg_a = node_a.as_postgres().unwrap();
    assert!(pg_a.start_dialling("d1").await.unwrap());
    node_a.heartbeat(T0).await.unwrap();
    node_b.heartbeat(T0 + 20_000).await.unwrap();

    // Node a is lost: its dialled call ends as node lost (1 closed), its claimed call is
    // queued again, the queued call it never touched stays queued.
    let closed = node_b.close_calls_of_node("node-a".into(), T0 + 20_000, TIMEOUT);
    assert_eq!(closed.await.unwrap(), 1);
    let d1 = node_b.get_call("d1".into(), "acme".into()).await.unwrap();
    let d1 = d1.unwrap().outcome.expect("d1 closed");
    assert_eq!(
        (d1.result_code, d1.sip_reason.as_deref()),
        (11, Some("node lost"))
    );
    assert_eq!(row(pg_a, "c1").await, ("queued".into(), None, true));
    assert_eq!(row(pg_a, "w1").await, ("queued".into(), None, true));
    assert_eq!(claim(&node_b, 5).await, ["c1", "w1"]);
    // Node a comes back: the call it had claimed is not its to dial any more.
    assert!(!pg_a.start_dialling("c1").await.unwrap());
    // And a dialled call is never another node's: b cannot take over d1.
    let pg_b = node_b.as_postgres().unwrap();
    assert!(!pg_b.start_dialling("d1").await.unwrap());
}

pub(super) async fn a_restarted_nodes_claims_are_queued_again(f: Fixture) {
    if !f.shared_by_nodes {
        return;
    }
    let node_a = f.open("node-a").await;
    insert(
        &node_a,
        queued(&[("d1", "+31611111111"), ("c1", "+31622222222")], T0),
    )
    .await;
    assert_eq!(claim(&node_a, 2).await, ["d1", "c1"]);
    let pg_a = node_a.as_postgres().unwrap();
    assert!(pg_a.start_dialling("d1").await.unwrap());
    // The same node starting again: its dialled call is an orphan (11), its claim can
    // still be placed.
    let again = f.open("node-a").await;
    assert_eq!(again.close_orphans(T0 + 5000).await.unwrap(), 1);
    assert_eq!(row(pg_a, "c1").await, ("queued".into(), None, true));
    assert_eq!(
        row(pg_a, "d1").await,
        ("ended".into(), Some("node-a".into()), false)
    );
}
