//! The callback outbox: what is due, what the worker skips, attempts and pruning.

use super::*;

/// The call ids of `due_callbacks(now, limit, skip)`, in order.
async fn due(store: &Store, now: i64, limit: u32, skip: OutboxSkip) -> Vec<String> {
    let items = store.due_callbacks(now, limit, skip).await.unwrap();
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
        .due_callbacks(T0 + 5000, 10, OutboxSkip::default())
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
        .due_callbacks(T0 + 60_000, 10, OutboxSkip::default())
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
