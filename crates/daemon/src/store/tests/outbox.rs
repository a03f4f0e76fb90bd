//! The callback outbox: what is due, what the worker skips, attempts and pruning.

use super::*;

/// The call ids of `due_callbacks(now, limit, skip)`, in order.
async fn due(store: &Store, now: i64, limit: u32, skip: OutboxSkip) -> Vec<String> {
    let items = store.due_callbacks(now, limit, skip, LEASE).await.unwrap();
    items.into_iter().map(|i| i.call_id).collect()
}

/// Three finished calls c0..c2 with callbacks to `a.test` and `b.test:81`, queued at T0,
/// T0 + 1 s and T0 + 2 s. Returns their outbox ids.
async fn three_deliveries(store: &Store) -> [i64; 3] {
    for (i, url) in ["http://a.test/x", "http://b.test:81/y", "http://a.test/z"]
        .into_iter()
        .enumerate()
    {
        let call = format!("c{i}");
        let mut ins = instruction("acme", None, &[(&call, &format!("+3161000000{i}"))], T0);
        ins.callback_url = Some(url.to_owned());
        insert(store, ins).await;
        let at = T0 + 1000 * i as i64;
        store.finish_call(call, outcome(10, T0), at).await.unwrap();
    }
    let all = store
        .due_callbacks(T0 + 5000, 10, OutboxSkip::default(), LEASE)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    [all[0].id, all[1].id, all[2].id]
}

pub(super) async fn outbox_due_and_skipped(f: Fixture) {
    let store = f.open("n1").await;
    let [a0, _, _] = three_deliveries(&store).await;
    // Not yet due, due in order, limited.
    assert!(
        due(&store, T0 - 1, 10, OutboxSkip::default())
            .await
            .is_empty()
    );
    assert_eq!(
        due(&store, T0 + 5000, 2, OutboxSkip::default()).await,
        ["c0", "c1"]
    );
    // Skipped rows and full receivers stay out.
    let skip = OutboxSkip {
        ids: vec![a0],
        receivers: vec!["b.test:81".into()],
    };
    assert_eq!(due(&store, T0 + 5000, 10, skip.clone()).await, ["c2"]);
    assert_eq!(
        store.next_callback_due(skip).await.unwrap(),
        Some(T0 + 2000)
    );
    let none = OutboxSkip::default();
    assert_eq!(store.next_callback_due(none).await.unwrap(), Some(T0));
}

pub(super) async fn outbox_attempts_and_prune(f: Fixture) {
    let store = f.open("n1").await;
    let [a0, b1, a2] = three_deliveries(&store).await;
    let retry = Attempt::Retry {
        next_ms: T0 + 60_000,
    };
    store
        .record_attempt(a0, "HTTP 500".into(), retry)
        .await
        .unwrap();
    let delivered = Attempt::Delivered { at_ms: T0 + 5000 };
    store
        .record_attempt(b1, "HTTP 204".into(), delivered)
        .await
        .unwrap();
    store
        .record_attempt(a2, "timeout".into(), Attempt::GaveUp)
        .await
        .unwrap();
    assert!(
        due(&store, T0 + 59_999, 10, OutboxSkip::default())
            .await
            .is_empty()
    );
    let retried = store
        .due_callbacks(T0 + 60_000, 10, OutboxSkip::default(), LEASE)
        .await
        .unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(
        (retried[0].call_id.as_str(), retried[0].attempts),
        ("c0", 1)
    );
    let none = OutboxSkip::default();
    assert_eq!(
        store.next_callback_due(none).await.unwrap(),
        Some(T0 + 60_000)
    );

    // Only finished rows created before the cut go; the pending retry stays.
    assert_eq!(
        store.prune_outbox(T0 + 1500).await.unwrap(),
        1,
        "b1 (created T0+1000)"
    );
    assert_eq!(store.prune_outbox(T0 + 100_000).await.unwrap(), 1, "a2");
    assert_eq!(store.prune_outbox(T0 + 100_000).await.unwrap(), 0);
    assert_eq!(
        due(&store, T0 + 60_000, 10, OutboxSkip::default()).await,
        ["c0"]
    );
    // The CDRs stay.
    assert_eq!(store.query_cdrs(cdr_filter("acme")).await.unwrap().len(), 3);
}

pub(super) async fn a_leased_delivery_is_one_nodes_until_it_expires(f: Fixture) {
    let node_a = f.open("node-a").await;
    let [a0, b1, a2] = three_deliveries(&node_a).await;
    // three_deliveries claimed all three for node a at T0 + 5000; the node that holds a
    // lease keeps getting its rows (its worker's skip set keeps out those in flight).
    assert_eq!(
        due(&node_a, T0 + 5000, 10, OutboxSkip::default()).await,
        ["c0", "c1", "c2"]
    );
    if !f.shared_by_nodes {
        // SQLite: one node, no leases.
        return;
    }
    let node_b = f.open("node-b").await;
    // Claimed again by a at T0 + 5000: leased until T0 + 5000 + LEASE.
    let until = T0 + 5000 + LEASE;
    assert!(
        due(&node_b, until - 1, 10, OutboxSkip::default())
            .await
            .is_empty(),
        "another node's live lease keeps the rows from b"
    );
    assert_eq!(
        node_b
            .next_callback_due(OutboxSkip::default())
            .await
            .unwrap(),
        Some(until),
        "b waits for the lease, not for next_attempt_ms"
    );
    // An attempt recorded ends the lease: the retry is anyone's when it is due.
    let retry = Attempt::Retry { next_ms: T0 + 6000 };
    node_a
        .record_attempt(a0, "HTTP 500".into(), retry)
        .await
        .unwrap();
    assert_eq!(
        due(&node_b, T0 + 6000, 10, OutboxSkip::default()).await,
        ["c0"]
    );
    // a killed mid-delivery: b gets b1 and a2 once their lease has expired (in due order:
    // c0 is due since its retry at T0 + 6000), and then a does not get them back.
    assert_eq!(
        due(&node_b, until, 10, OutboxSkip::default()).await,
        ["c1", "c2", "c0"]
    );
    assert!(
        due(&node_a, until, 10, OutboxSkip::default())
            .await
            .is_empty()
    );
    let delivered = Attempt::Delivered { at_ms: until };
    for id in [a0, b1, a2] {
        node_b
            .record_attempt(id, "HTTP 204".into(), delivered)
            .await
            .unwrap();
    }
    assert!(
        due(&node_a, until + LEASE, 10, OutboxSkip::default())
            .await
            .is_empty()
    );
}

/// Nodes claiming the same outbox at the same moment: each due row goes to exactly one of
/// them. Several rounds, since a race that only sometimes overlaps must be given chances.
pub(super) async fn racing_nodes_claim_each_delivery_once(f: Fixture) {
    if !f.shared_by_nodes {
        return;
    }
    let setup = f.open("setup").await;
    // One claimer per node, as each node runs one worker (a node gets back the rows it
    // holds itself, which its worker keeps out while they are in flight).
    let nodes = open_nodes(&f, 8).await;
    for round in 0..6 {
        let now = T0 + round * 1000;
        let mut ids = Vec::new();
        for i in 0..40 {
            let call = format!("r{round}-{i}");
            let callee = format!("+3162{round:02}{i:05}");
            insert(&setup, instruction("acme", None, &[(&call, &callee)], now)).await;
            setup
                .finish_call(call.clone(), outcome(10, now), now)
                .await
                .unwrap();
            ids.push(call);
        }
        // All start at once, each asking for every row and recording it as delivered, as
        // the worker would.
        let all = race_to_drain(&nodes, move |node| async move {
            let batch = node
                .due_callbacks(now, 100, OutboxSkip::default(), LEASE)
                .await
                .unwrap();
            let mut got = Vec::new();
            for item in batch {
                let at = Attempt::Delivered { at_ms: now };
                node.record_attempt(item.id, "HTTP 204".into(), at)
                    .await
                    .unwrap();
                got.push(item.call_id);
            }
            got
        })
        .await;
        ids.sort();
        assert_eq!(
            all, ids,
            "round {round}: every delivery claimed by one node"
        );
    }
}
