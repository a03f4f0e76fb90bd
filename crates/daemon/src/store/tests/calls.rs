//! Instructions and calls: insert and read, CDR queries, outcomes with their callbacks,
//! the velocity limits and a repeated `instruction-id`.

use super::*;

pub(super) async fn insert_and_get(f: Fixture) {
    let store = f.open("n1").await;
    insert(
        &store,
        instruction(
            "acme",
            Some("i-1"),
            &[("c1", "+31611111111"), ("c2", "+31622222222")],
            T0,
        ),
    )
    .await;
    let c1 = store
        .get_call("c1".into(), "acme".into())
        .await
        .unwrap()
        .expect("c1");
    assert_eq!(c1.identity.callee, "+31611111111");
    assert_eq!(c1.identity.instruction_id.as_deref(), Some("i-1"));
    assert_eq!(c1.identity.kind, CallKind::Otp);
    assert_eq!(c1.created_ms, T0);
    assert!(c1.outcome.is_none());
    assert!(
        store
            .get_call("c2".into(), "acme".into())
            .await
            .unwrap()
            .is_some()
    );
    // Another tenant's call is as absent as an unknown one.
    assert!(
        store
            .get_call("c1".into(), "other".into())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .get_call("nope".into(), "acme".into())
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.ping().await);
}

pub(super) async fn cdr_query_filters(f: Fixture) {
    let store = f.open("n1").await;
    for (i, (tenant, id)) in [("acme", "a"), ("acme", "b"), ("acme", "b"), ("zeta", "z")]
        .into_iter()
        .enumerate()
    {
        let call = format!("c{i}");
        // The second "b" comes a day later, or it would be a repeat of the first.
        let at = if i == 2 { T0 + 25 * 3600 * 1000 } else { T0 };
        insert(
            &store,
            instruction(tenant, Some(id), &[(&call, &format!("+3161000000{i}"))], at),
        )
        .await;
        // c0 and c1 start at the same time: the later row comes first.
        let started = T0 + [1000, 1000, 3000, 2000][i];
        store
            .finish_call(call, outcome(10, started), started + 10_000)
            .await
            .unwrap()
            .unwrap();
    }
    let ids = |events: Vec<crate::event::FinishedEvent>| -> Vec<String> {
        events.into_iter().map(|e| e.call_id).collect()
    };
    let all = store.query_cdrs(cdr_filter("acme")).await.unwrap();
    assert_eq!(ids(all), ["c2", "c1", "c0"]);
    let since = CdrFilter {
        since_ms: Some(T0 + 2000),
        ..cdr_filter("acme")
    };
    assert_eq!(ids(store.query_cdrs(since).await.unwrap()), ["c2"]);
    let until = CdrFilter {
        until_ms: Some(T0 + 3000),
        ..cdr_filter("acme")
    };
    assert_eq!(ids(store.query_cdrs(until).await.unwrap()), ["c1", "c0"]);
    let by_id = CdrFilter {
        instruction_id: Some("b".into()),
        ..cdr_filter("acme")
    };
    assert_eq!(ids(store.query_cdrs(by_id).await.unwrap()), ["c2", "c1"]);
    let limited = CdrFilter {
        limit: 1,
        ..cdr_filter("acme")
    };
    assert_eq!(ids(store.query_cdrs(limited).await.unwrap()), ["c2"]);
    assert_eq!(
        ids(store.query_cdrs(cdr_filter("zeta")).await.unwrap()),
        ["c3"]
    );
    // A call not yet ended is no CDR.
    insert(
        &store,
        instruction("acme", None, &[("live", "+31699999999")], T0),
    )
    .await;
    assert_eq!(store.query_cdrs(cdr_filter("acme")).await.unwrap().len(), 3);
}

pub(super) async fn finish_call_once_with_its_callback(f: Fixture) {
    let store = f.open("n1").await;
    insert(
        &store,
        instruction("acme", None, &[("c1", "+31611111111")], T0),
    )
    .await;
    let mut quiet = instruction("acme", None, &[("c2", "+31622222222")], T0);
    quiet.callback_url = None;
    insert(&store, quiet).await;

    let (event, queued) = store
        .finish_call("c1".into(), outcome(10, T0 + 100), T0 + 10_000)
        .await
        .unwrap()
        .expect("first outcome stored");
    assert!(queued);
    assert_eq!(event.result.code, 10);
    // A second outcome (a late duplicate) changes nothing.
    assert!(
        store
            .finish_call("c1".into(), outcome(11, T0 + 200), T0 + 20_000)
            .await
            .unwrap()
            .is_none()
    );
    let stored = store
        .get_call("c1".into(), "acme".into())
        .await
        .unwrap()
        .unwrap();
    let kept = stored.outcome.expect("outcome");
    assert_eq!(kept.result_code, 10);
    assert_eq!(kept.started_ms, T0 + 100);
    assert_eq!(kept.sip_code, Some(200));
    assert_eq!(kept.input.as_ref().map(|i| i.digits.as_str()), Some("42"));

    let (_, queued) = store
        .finish_call("c2".into(), outcome(10, T0), T0 + 10_000)
        .await
        .unwrap()
        .unwrap();
    assert!(!queued, "no callback URL, no outbox row");
    let due = store
        .due_callbacks(T0 + 10_000, 10, OutboxSkip::default(), LEASE)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].call_id, "c1");
    assert_eq!(due[0].receiver, "127.0.0.1:9");
    assert_eq!(due[0].attempts, 0);
    let body: serde_json::Value = serde_json::from_str(&due[0].body).unwrap();
    assert_eq!(body["call-id"], "c1");
    assert_eq!(body["result"]["code"], 10);
    // Unknown calls have nothing to finish.
    assert!(
        store
            .finish_call("nope".into(), outcome(10, T0), T0)
            .await
            .unwrap()
            .is_none()
    );
}

pub(super) async fn velocity_limits(f: Fixture) {
    let store = f.open("n1").await;
    let limits = VelocityLimits {
        callee_per_10m: 2,
        callee_per_24h: 3,
        calls_per_second: 2,
        max_queued_calls: 4,
        max_callees_per_request: 100,
    };
    let try_insert = |calls: &[(&str, &str)], at: i64| {
        let ins = instruction("acme", None, calls, at);
        let store = store.clone();
        async move { store.insert_instruction(ins, limits).await.unwrap() }
    };
    let limited = |got: Inserted| match got {
        Inserted::Limited(hit) => (hit.limit, hit.retry_after),
        other => panic!("expected a limit, got {other:?}"),
    };
    assert_eq!(
        try_insert(&[("a1", "+31600000001")], T0).await,
        Inserted::New
    );
    assert_eq!(
        try_insert(&[("a2", "+31600000001")], T0 + 10).await,
        Inserted::New
    );
    // Two calls of the tenant in the last second.
    assert_eq!(
        limited(try_insert(&[("x", "+31600000009")], T0 + 500).await),
        ("calls-per-second", 1)
    );
    // The callee had 2 calls in 10 minutes; the oldest leaves the window at T0 + 600 s.
    assert_eq!(
        limited(try_insert(&[("x", "+31600000001")], T0 + 2000).await),
        ("callee-calls-per-10m", 599)
    );
    assert_eq!(
        try_insert(&[("a3", "+31600000002")], T0 + 3000).await,
        Inserted::New
    );
    // 3 open calls + 2 would pass max-queued-calls 4.
    assert_eq!(
        limited(try_insert(&[("x", "+31600000003"), ("y", "+31600000004")], T0 + 4000).await),
        ("max-queued-calls", 5)
    );
    // A refused request wrote nothing.
    assert!(
        store
            .get_call("x".into(), "acme".into())
            .await
            .unwrap()
            .is_none()
    );
    // Ending the calls frees the queue; 10 minutes later the callee may be called again,
    // until its 24 h window is full.
    for id in ["a1", "a2", "a3"] {
        store
            .finish_call(id.into(), outcome(10, T0), T0 + 5000)
            .await
            .unwrap();
    }
    assert_eq!(
        try_insert(&[("a4", "+31600000001")], T0 + 700_000).await,
        Inserted::New
    );
    assert_eq!(
        limited(try_insert(&[("x", "+31600000001")], T0 + 1_400_000).await),
        ("callee-calls-per-24h", 85_001)
    );
}

pub(super) async fn repeated_instruction_id(f: Fixture) {
    let store = f.open("n1").await;
    let first = instruction("acme", Some("same"), &[("c1", "+31611111111")], T0);
    let first_answer = first.response.clone();
    insert(&store, first).await;
    let again = instruction("acme", Some("same"), &[("c2", "+31611111111")], T0 + 1000);
    assert_eq!(
        store.insert_instruction(again, no_limits()).await.unwrap(),
        Inserted::Repeat(first_answer)
    );
    assert!(
        store
            .get_call("c2".into(), "acme".into())
            .await
            .unwrap()
            .is_none()
    );
    // Another tenant's id is its own; a day later the id is free again.
    insert(
        &store,
        instruction("other", Some("same"), &[("c3", "+31633333333")], T0 + 2000),
    )
    .await;
    let day_later = T0 + 24 * 3600 * 1000 + 1;
    insert(
        &store,
        instruction("acme", Some("same"), &[("c4", "+31644444444")], day_later),
    )
    .await;
    let repeat = instruction(
        "acme",
        Some("same"),
        &[("c5", "+31644444444")],
        day_later + 1,
    );
    match store.insert_instruction(repeat, no_limits()).await.unwrap() {
        Inserted::Repeat(answer) => assert!(answer.contains("c4"), "{answer}"),
        other => panic!("expected the day-later answer, got {other:?}"),
    }
}

pub(super) async fn limits_hold_across_nodes(f: Fixture) {
    // Two nodes (two pools on PostgreSQL) race 12 requests for a queue of 5. A SQLite file
    // serves one daemon: there both are the one store.
    let first = f.open("node-a").await;
    let second = if f.shared_by_nodes {
        f.open("node-b").await
    } else {
        first.clone()
    };
    let nodes = [first, second];
    let limits = VelocityLimits {
        max_queued_calls: 5,
        ..no_limits()
    };
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let store = nodes[i % 2].clone();
        let ins = instruction(
            "acme",
            None,
            &[(&format!("c{i}"), &format!("+316000000{i:02}"))],
            T0,
        );
        tasks.spawn(async move { store.insert_instruction(ins, limits).await.unwrap() });
    }
    let mut new = 0;
    while let Some(got) = tasks.join_next().await {
        if got.unwrap() == Inserted::New {
            new += 1;
        }
    }
    assert_eq!(new, 5, "exactly max-queued-calls requests pass");
}
