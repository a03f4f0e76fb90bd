//! The store's behaviour, one body per behaviour run against both backends: SQLite in a
//! temp dir and PostgreSQL in a throwaway cluster (testkit), a fresh database per test.
//! Time is the `now_ms` the tests pass in; nothing sleeps.

mod calls;
mod migrations;
mod nodes;
mod outbox;
mod queue;
mod trunk_budget;

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

/// Runs each named behaviour (`module::name`) on both backends: `<name>::sqlite` and
/// `<name>::postgres`.
macro_rules! on_both_backends {
    ($($module:ident :: $name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$module::$name(super::Fixture::sqlite()).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$module::$name(super::Fixture::postgres(stringify!($name))).await;
            }
        }
    )*};
}

on_both_backends!(
    calls::insert_and_get,
    calls::cdr_query_filters,
    calls::finish_call_once_with_its_callback,
    calls::velocity_limits,
    calls::repeated_instruction_id,
    calls::limits_hold_across_nodes,
    outbox::outbox_due_and_skipped,
    outbox::outbox_attempts_and_prune,
    outbox::a_leased_delivery_is_one_nodes_until_it_expires,
    outbox::racing_nodes_claim_each_delivery_once,
    nodes::close_orphans_of_own_node_only,
    nodes::lost_node_calls_are_closed_once,
    nodes::a_node_that_beats_again_is_not_lost,
    queue::queued_calls_are_claimed_once_and_dialled_by_their_claimer,
    queue::racing_nodes_claim_each_queued_call_once,
    queue::a_lost_nodes_claims_are_queued_again_and_its_dialled_calls_closed,
    queue::a_restarted_nodes_claims_are_queued_again,
);

const T0: i64 = 1_700_000_000_000;

/// The lease of a claimed callback delivery (PostgreSQL).
const LEASE: i64 = 15_000;

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
        sealed_specs: Vec::new(),
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

/// `n` nodes on the fixture's database, each with its own pool, connected before a race
/// starts.
async fn open_nodes(f: &Fixture, n: usize) -> Vec<Store> {
    let mut nodes = Vec::new();
    for i in 0..n {
        let node = f.open(&format!("node-{i}")).await;
        assert!(node.ping().await, "connected before the race");
        nodes.push(node);
    }
    nodes
}

/// Every node starts at the same moment (a barrier) and calls `claim` until it claims
/// nothing more; returns every id claimed by any node, sorted, so that a race in which two
/// nodes got the same row shows the id twice.
async fn race_to_drain<F, Fut>(nodes: &[Store], claim: F) -> Vec<String>
where
    F: Fn(Store) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Vec<String>> + Send,
{
    let start = Arc::new(tokio::sync::Barrier::new(nodes.len()));
    let mut claims = Vec::new();
    for node in nodes {
        let (node, start, claim) = (node.clone(), Arc::clone(&start), claim.clone());
        claims.push(tokio::spawn(async move {
            start.wait().await;
            let mut got = Vec::new();
            loop {
                let batch = claim(node.clone()).await;
                if batch.is_empty() {
                    return got;
                }
                got.extend(batch);
            }
        }));
    }
    let mut all = Vec::new();
    for c in claims {
        all.extend(c.await.unwrap());
    }
    all.sort();
    all
}

fn cdr_filter(tenant: &str) -> CdrFilter {
    CdrFilter {
        limit: 100,
        tenant: tenant.to_owned(),
        ..CdrFilter::default()
    }
}
