//! The trunks' budget shared through PostgreSQL: two [`PgTrunkBudget`]s on one database
//! are two nodes. The rate window is stretched to a minute so that no slow machine can
//! see it pass mid-test; the one test of a window passing waits for the slot it was told.

use std::sync::Arc;
use std::time::{Duration, Instant};

use voice_otp_call::trunks::{Admission, TrunkBudget, TrunkLimits};

use super::Fixture;
use crate::store::trunk_budget::{PgTrunkBudget, held};
use crate::store::{Store, liveness};

const LONG_SLOT: Duration = Duration::from_secs(60);
const T0: i64 = super::T0;

/// Node `node`'s store and its budget, on the fixture's database.
async fn node(f: &Fixture, node: &str, slot: Duration) -> (Store, Arc<PgTrunkBudget>) {
    let store = f.open(node).await;
    let Store::Postgres(pg) = &store else {
        panic!("the shared budget is PostgreSQL's");
    };
    let budget = PgTrunkBudget::with_pool(pg.pool().clone(), node, slot);
    (store, Arc::new(budget))
}

async fn take(budget: &PgTrunkBudget, trunk: &TrunkLimits) -> Admission {
    budget
        .try_acquire(trunk, Instant::now())
        .await
        .expect("budget answers")
}

/// The calls `node` holds on `trunk`, once the queued releases are written (bounded wait).
async fn held_settled(store: &Store, trunk: &str, node: &str, want: i64) -> i64 {
    let Store::Postgres(pg) = store else {
        panic!("PostgreSQL")
    };
    let mut now = held(pg.pool(), trunk, node).await.unwrap();
    for _ in 0..500 {
        if now == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        now = held(pg.pool(), trunk, node).await.unwrap();
    }
    now
}

#[tokio::test]
async fn the_rate_window_holds_across_nodes() {
    let f = Fixture::postgres("budget_rate");
    let (_a_store, a) = node(&f, "node-a", LONG_SLOT).await;
    let (_b_store, b) = node(&f, "node-b", LONG_SLOT).await;
    let trunk = TrunkLimits::new("t1").max_cps(3);
    let other = TrunkLimits::new("t2").max_cps(1);
    for budget in [&a, &b, &a] {
        assert_eq!(take(budget, &trunk).await, Admission::Granted);
    }
    for budget in [&b, &a] {
        let asked = Instant::now();
        match take(budget, &trunk).await {
            Admission::Denied { retry_at: Some(at) } => {
                assert!(at > asked && at <= Instant::now() + LONG_SLOT, "{at:?}")
            }
            other => panic!("the 4th INVITE in the window: {other:?}"),
        }
    }
    // Another trunk has its own window.
    assert_eq!(take(&b, &other).await, Admission::Granted);
}

#[tokio::test]
async fn a_rate_slot_frees_when_its_window_passes() {
    let f = Fixture::postgres("budget_slot");
    let slot = Duration::from_millis(300);
    let (_a_store, a) = node(&f, "node-a", slot).await;
    let (_b_store, b) = node(&f, "node-b", slot).await;
    let trunk = TrunkLimits::new("t1").max_cps(1);
    assert_eq!(take(&a, &trunk).await, Admission::Granted);
    let Admission::Denied { retry_at: Some(at) } = take(&b, &trunk).await else {
        panic!("the window is full");
    };
    tokio::time::sleep_until(at.into()).await;
    // The database's clock has passed the slot too (it only runs forward); a little slack
    // for the ms the answer was rounded to.
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(take(&b, &trunk).await, Admission::Granted);
}

#[tokio::test]
async fn concurrency_holds_across_nodes_and_release_frees() {
    let f = Fixture::postgres("budget_concurrent");
    let (a_store, a) = node(&f, "node-a", LONG_SLOT).await;
    let (_b_store, b) = node(&f, "node-b", LONG_SLOT).await;
    let trunk = TrunkLimits::new("t1").max_concurrent(2);
    assert_eq!(take(&a, &trunk).await, Admission::Granted);
    assert_eq!(take(&b, &trunk).await, Admission::Granted);
    for budget in [&a, &b] {
        assert_eq!(
            take(budget, &trunk).await,
            Admission::Denied { retry_at: None }
        );
    }
    a.release(&trunk);
    assert_eq!(held_settled(&a_store, "t1", "node-a", 0).await, 0);
    assert_eq!(take(&b, &trunk).await, Admission::Granted);
    assert_eq!(held_settled(&a_store, "t1", "node-b", 2).await, 2);
    assert_eq!(take(&a, &trunk).await, Admission::Denied { retry_at: None });
}

#[tokio::test]
async fn racing_nodes_get_exactly_the_budget() {
    let f = Fixture::postgres("budget_race");
    let (_a_store, a) = node(&f, "node-a", LONG_SLOT).await;
    let (_b_store, b) = node(&f, "node-b", LONG_SLOT).await;
    let rate = TrunkLimits::new("rate").max_cps(5);
    let calls = TrunkLimits::new("calls").max_concurrent(4);
    for (trunk, limit) in [(rate, 5), (calls, 4)] {
        let mut asks = tokio::task::JoinSet::new();
        for i in 0..24 {
            let budget = Arc::clone(if i % 2 == 0 { &a } else { &b });
            let trunk = trunk.clone();
            asks.spawn(async move { take(&budget, &trunk).await == Admission::Granted });
        }
        let granted = asks.join_all().await.into_iter().filter(|g| *g).count();
        assert_eq!(granted, limit, "trunk {}", trunk.name);
    }
}

#[tokio::test]
async fn a_lost_node_gives_its_calls_back() {
    let f = Fixture::postgres("budget_lost");
    let (a_store, a) = node(&f, "node-a", LONG_SLOT).await;
    let (b_store, b) = node(&f, "node-b", LONG_SLOT).await;
    let trunk = TrunkLimits::new("t1").max_concurrent(2);
    a_store.heartbeat(T0).await.unwrap();
    assert_eq!(take(&a, &trunk).await, Admission::Granted);
    assert_eq!(take(&a, &trunk).await, Admission::Granted);
    assert_eq!(take(&b, &trunk).await, Admission::Denied { retry_at: None });
    // Still beating: a survivor's late look keeps its calls.
    let kept = b_store
        .release_trunk_holds_of_node("node-a", Some(T0))
        .await
        .unwrap();
    assert_eq!(kept, 0);
    // Silent for longer than the timeout: node b's liveness round frees them.
    liveness::round(&b_store, T0 + 20_000).await;
    assert_eq!(held_settled(&b_store, "t1", "node-a", 0).await, 0);
    assert_eq!(take(&b, &trunk).await, Admission::Granted);
}

#[tokio::test]
async fn a_restarted_node_starts_with_no_calls() {
    let f = Fixture::postgres("budget_restart");
    let (a_store, a) = node(&f, "node-a", LONG_SLOT).await;
    let trunk = TrunkLimits::new("t1").max_concurrent(1);
    assert_eq!(take(&a, &trunk).await, Admission::Granted);
    let freed = a_store
        .release_trunk_holds_of_node("node-a", None)
        .await
        .unwrap();
    assert_eq!(freed, 1);
    assert_eq!(take(&a, &trunk).await, Admission::Granted);
}
