//! The store's behaviour, one body per behaviour run against both backends: SQLite in a
//! temp dir and PostgreSQL in a throwaway cluster (testkit), a fresh database per test.
//! Time is the `now_ms` the tests pass in; nothing sleeps.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};

use voice_otp_call::{CallKind, InputStatus, KeypressCheck};
use voice_otp_testkit::postgres::Postgres;

use super::{Attempt, CdrFilter, Inserted, NewInstruction, OutboxSkip, Store};
use crate::config::{StoreConfig, VelocityLimits};
use crate::event::{StoredInput, StoredOutcome};

/// Where a test's database lives.
struct Fixture {
    config: StoreConfig,
    /// One daemon per file (SQLite) or several nodes on one database (PostgreSQL).
    shared_by_nodes: bool,
    _dir: Option<tempfile::TempDir>,
    _cluster: Option<Arc<Postgres>>,
}

impl Fixture {
    fn sqlite() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        Fixture {
            config: StoreConfig {
                path: dir.path().join("store.db"),
                url: None,
            },
            shared_by_nodes: false,
            _dir: Some(dir),
            _cluster: None,
        }
    }

    fn postgres(db: &str) -> Fixture {
        let cluster = shared_cluster();
        let url = cluster.create_database(db);
        Fixture {
            config: StoreConfig {
                path: PathBuf::from("unused.db"),
                url: Some(url),
            },
            shared_by_nodes: true,
            _dir: None,
            _cluster: Some(cluster),
        }
    }

    /// The store as node `node` sees it.
    async fn open(&self, node: &str) -> Store {
        Store::open(&self.config, node).await.expect("open store")
    }
}

/// One cluster for the tests that run at the same time, stopped when the last one ends.
fn shared_cluster() -> Arc<Postgres> {
    static CLUSTER: Mutex<Weak<Postgres>> = Mutex::new(Weak::new());
    let mut slot = CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(cluster) = slot.upgrade() {
        return cluster;
    }
    let cluster = Arc::new(Postgres::start());
    *slot = Arc::downgrade(&cluster);
    cluster
}

/// Runs each named behaviour on both backends: `<name>::sqlite` and `<name>::postgres`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(super::Fixture::sqlite()).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$name(super::Fixture::postgres(stringify!($name))).await;
            }
        }
    )*};
}

on_both_backends!(
    insert_and_get,
    cdr_query_filters,
    finish_call_once_with_its_callback,
    outbox_due_attempts_and_prune,
    velocity_limits,
    repeated_instruction_id,
    close_orphans_of_own_node_only,
    limits_hold_across_nodes,
);

const T0: i64 = 1_700_000_000_000;

fn instruction(tenant: &str, id: Option<&str>, calls: &[(&str, &str)], at: i64) -> NewInstruction {
    NewInstruction {
        instruction_id: id.map(str::to_owned),
        kind: CallKind::Otp,
        tenant: tenant.to_owned(),
        caller: "+31201234567".to_owned(),
        anonymous: false,
        callback_url: Some("http://127.0.0.1:9/cb?x=1".to_owned()),
        voicemail_response: None,
        created_ms: at,
        calls: calls
            .iter()
            .map(|(c, n)| ((*c).to_owned(), (*n).to_owned()))
            .collect(),
        response: format!("{{\"first\":\"{}\"}}", calls.first().map_or("", |c| c.0)),
    }
}

fn outcome(code: u8, started_ms: i64) -> StoredOutcome {
    StoredOutcome {
        result_code: code,
        started_ms,
        answered_ms: Some(started_ms + 1500),
        ended_ms: started_ms + 9000,
        code_read_count: 2,
        replays: 1,
        dtmf: "1".to_owned(),
        input: Some(StoredInput {
            digits: "42".to_owned(),
            status: InputStatus::Valid,
            attempts: 1,
        }),
        keypress_check: KeypressCheck::NotRequired,
        sip_code: Some(200),
        sip_reason: Some("OK".to_owned()),
    }
}

/// Generous limits, so only the test's own limit bites.
fn no_limits() -> VelocityLimits {
    VelocityLimits {
        callee_per_10m: 1000,
        callee_per_24h: 1000,
        calls_per_second: 1000,
        max_queued_calls: 1000,
        max_callees_per_request: 100,
    }
}

async fn insert(store: &Store, ins: NewInstruction) {
    let got = store.insert_instruction(ins, no_limits()).await.unwrap();
    assert_eq!(got, Inserted::New);
}

fn cdr_filter(tenant: &str) -> CdrFilter {
    CdrFilter {
        limit: 100,
        tenant: tenant.to_owned(),
        ..CdrFilter::default()
    }
}

async fn insert_and_get(f: Fixture) {
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

async fn cdr_query_filters(f: Fixture) {
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

async fn finish_call_once_with_its_callback(f: Fixture) {
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
        .due_callbacks(T0 + 10_000, 10, OutboxSkip::default())
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

async fn outbox_due_attempts_and_prune(f: Fixture) {
    let store = f.open("n1").await;
    for (i, url) in ["http://a.test/x", "http://b.test:81/y", "http://a.test/z"]
        .into_iter()
        .enumerate()
    {
        let call = format!("c{i}");
        let mut ins = instruction("acme", None, &[(&call, &format!("+3161000000{i}"))], T0);
        ins.callback_url = Some(url.to_owned());
        insert(&store, ins).await;
        let at = T0 + 1000 * i as i64;
        store
            .finish_call(call, outcome(10, T0), at)
            .await
            .unwrap()
            .unwrap();
    }
    let due_ids = |items: Vec<super::OutboxItem>| -> Vec<String> {
        items.into_iter().map(|i| i.call_id).collect()
    };
    // Not yet due, due in order, limited.
    assert!(
        store
            .due_callbacks(T0 - 1, 10, OutboxSkip::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        due_ids(
            store
                .due_callbacks(T0 + 5000, 2, OutboxSkip::default())
                .await
                .unwrap()
        ),
        ["c0", "c1"]
    );
    let all = store
        .due_callbacks(T0 + 5000, 10, OutboxSkip::default())
        .await
        .unwrap();
    let (a0, b1, a2) = (all[0].id, all[1].id, all[2].id);
    // Skipped rows and full receivers stay out.
    let skip = OutboxSkip {
        ids: vec![a0],
        receivers: vec!["b.test:81".into()],
    };
    assert_eq!(
        due_ids(
            store
                .due_callbacks(T0 + 5000, 10, skip.clone())
                .await
                .unwrap()
        ),
        ["c2"]
    );
    assert_eq!(
        store.next_callback_due(skip).await.unwrap(),
        Some(T0 + 2000)
    );
    assert_eq!(
        store
            .next_callback_due(OutboxSkip::default())
            .await
            .unwrap(),
        Some(T0)
    );

    store
        .record_attempt(
            a0,
            "HTTP 500".into(),
            Attempt::Retry {
                next_ms: T0 + 60_000,
            },
        )
        .await
        .unwrap();
    store
        .record_attempt(
            b1,
            "HTTP 204".into(),
            Attempt::Delivered { at_ms: T0 + 5000 },
        )
        .await
        .unwrap();
    store
        .record_attempt(a2, "timeout".into(), Attempt::GaveUp)
        .await
        .unwrap();
    assert!(
        store
            .due_callbacks(T0 + 59_999, 10, OutboxSkip::default())
            .await
            .unwrap()
            .is_empty()
    );
    let retried = store
        .due_callbacks(T0 + 60_000, 10, OutboxSkip::default())
        .await
        .unwrap();
    assert_eq!(due_ids(retried.clone()), ["c0"]);
    assert_eq!(retried[0].attempts, 1);
    assert_eq!(
        store
            .next_callback_due(OutboxSkip::default())
            .await
            .unwrap(),
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
        store
            .due_callbacks(T0 + 60_000, 10, OutboxSkip::default())
            .await
            .unwrap()
            .len(),
        1
    );
    // The CDRs stay.
    assert_eq!(store.query_cdrs(cdr_filter("acme")).await.unwrap().len(), 3);
}

async fn velocity_limits(f: Fixture) {
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

async fn repeated_instruction_id(f: Fixture) {
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

async fn close_orphans_of_own_node_only(f: Fixture) {
    let node_a = f.open("node-a").await;
    let node_b = f.open("node-b").await;
    insert(
        &node_a,
        instruction("acme", None, &[("a1", "+31611111111")], T0),
    )
    .await;
    insert(
        &node_b,
        instruction("acme", None, &[("b1", "+31622222222")], T0),
    )
    .await;
    insert(
        &node_b,
        instruction("acme", None, &[("b2", "+31633333333")], T0),
    )
    .await;
    node_b
        .finish_call("b2".into(), outcome(10, T0), T0 + 1000)
        .await
        .unwrap();

    let closed = node_b.close_orphans(T0 + 5000).await.unwrap();
    let b1 = node_b
        .get_call("b1".into(), "acme".into())
        .await
        .unwrap()
        .unwrap();
    let b1 = b1.outcome.expect("b1 closed");
    assert_eq!(b1.result_code, 11);
    assert_eq!(b1.ended_ms, T0 + 5000);
    assert!(b1.sip_reason.unwrap().contains("restarted"));
    let a1 = node_a
        .get_call("a1".into(), "acme".into())
        .await
        .unwrap()
        .unwrap();
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
        .due_callbacks(T0 + 5000, 10, OutboxSkip::default())
        .await
        .unwrap();
    assert!(due.iter().any(|d| d.call_id == "b1"));
    assert_eq!(node_b.close_orphans(T0 + 6000).await.unwrap(), 0);
}

async fn limits_hold_across_nodes(f: Fixture) {
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

/// A SQLite file as the code before refinery made it: the migrations in order, each
/// version counted in `schema_version`, with one call of that time.
fn legacy_sqlite_file(path: &std::path::Path, versions: usize) {
    const OLD: [&str; 6] = [
        include_str!("../../migrations/sqlite/V1__first_schema.sql"),
        include_str!("../../migrations/sqlite/V2__outbox_receiver.sql"),
        include_str!("../../migrations/sqlite/V3__tenants.sql"),
        include_str!("../../migrations/sqlite/V4__velocity_indexes.sql"),
        include_str!("../../migrations/sqlite/V5__idempotency.sql"),
        include_str!("../../migrations/sqlite/V6__collected_input.sql"),
    ];
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
        [],
    )
    .unwrap();
    for (i, sql) in OLD.iter().take(versions).enumerate() {
        conn.execute_batch(sql).unwrap();
        conn.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [i as i64 + 1],
        )
        .unwrap();
    }
    conn.execute_batch(
        "INSERT INTO instructions (id, kind, caller, anonymous, created_ms)
            VALUES (1, 'otp', '+31201234567', 0, 1700000000000);
         INSERT INTO calls (call_id, instruction_row, kind, caller, callee, created_ms)
            VALUES ('old', 1, 'otp', '+31201234567', '+31611111111', 1700000000000);",
    )
    .unwrap();
}

/// The versions refinery has recorded, and whether the old table is still there.
fn recorded_versions(path: &std::path::Path) -> (Vec<i64>, bool) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT version FROM refinery_schema_history ORDER BY version")
        .unwrap();
    let versions = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let old_table = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_version'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    (versions, old_table > 0)
}

#[tokio::test]
async fn sqlite_made_before_refinery_is_adopted_and_migrated() {
    // Fully migrated by the old code (6), and stopped half-way (3): refinery records what
    // was applied and runs only the rest; the old rows survive.
    for versions in [6, 3] {
        let f = Fixture::sqlite();
        legacy_sqlite_file(&f.config.path, versions);
        let store = f.open("n1").await;
        let old = store
            .get_call("old".into(), "default".into())
            .await
            .unwrap();
        assert!(old.expect("old call kept").outcome.is_none());
        assert_eq!(store.close_orphans(T0).await.unwrap(), 1);
        drop(store);
        assert_eq!(
            recorded_versions(&f.config.path),
            ((1..=7).collect(), false)
        );
        // A second start finds nothing to do.
        let again = f.open("n1").await;
        assert!(again.ping().await);
    }
}

#[tokio::test]
async fn sqlite_newer_than_the_binary_is_refused() {
    let f = Fixture::sqlite();
    drop(f.open("n1").await);
    let conn = rusqlite::Connection::open(&f.config.path).unwrap();
    conn.execute(
        "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
         VALUES (99, 'future', '2030-01-01T00:00:00Z', '1')",
        [],
    )
    .unwrap();
    drop(conn);
    assert!(Store::open(&f.config, "n1").await.is_err());
}
