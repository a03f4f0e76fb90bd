//! The trunks' call budgets shared by every node of a cluster, kept in PostgreSQL: N nodes
//! together never send a trunk more than its `max-cps` INVITEs in any [`CPS_SLOT`], nor
//! hold more than its `max-concurrent` calls.
//!
//! A grant is one call of the database function `trunk_acquire` (migration V10): one round
//! trip, one transaction serialised per trunk by an advisory lock, timed by the database's
//! clock (`clock_timestamp()`), because the nodes' clocks may be skewed and a window
//! counted on two clocks would let both nodes fill it. Concurrency is a count per (trunk,
//! node): a call's end decrements its node's count, and a node's counts are deleted when
//! it restarts ([`Store::release_trunk_holds_of_node`](super::Store) at start) or when the
//! survivors declare it lost, so a dead node cannot keep a trunk's calls forever.

use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use tokio::sync::mpsc;
use tracing::warn;
use voice_otp_call::trunks::{
    AcquireFuture, Admission, BudgetError, CPS_SLOT, TrunkBudget, TrunkLimits,
};

use super::postgres::{build_pool, connect_config};
use crate::error::StoreError;

/// Connections of the budget's own pool: each holds one for one statement only, and a
/// waiting call asks again at most once a second.
const POOL_SIZE: usize = 4;

/// The budget of the trunks shared through one PostgreSQL database, as node `node`.
pub(crate) struct PgTrunkBudget {
    pool: Pool,
    node: Arc<str>,
    /// How long a grant counts against `max-cps`: [`CPS_SLOT`] (tests may stretch it so
    /// that a slow machine cannot make the window pass mid-test).
    slot: Duration,
    /// Releases queued by [`TrunkBudget::release`] (called from `Drop`, so it cannot wait
    /// for the database) for the task that writes them.
    releases: mpsc::UnboundedSender<String>,
}

impl PgTrunkBudget {
    /// A budget on the database at `url` for node `node`. Connects on first use; the
    /// schema is migrated by the store, which the daemon opens before it places a call.
    /// Must be called inside a tokio runtime (it spawns the release writer).
    pub(crate) fn connect(url: &str, node: &str) -> Result<PgTrunkBudget, StoreError> {
        let pool = build_pool(connect_config(url)?, POOL_SIZE)?;
        Ok(PgTrunkBudget::with_pool(pool, node, CPS_SLOT))
    }

    /// A budget over `pool`, counting each grant against `max-cps` for `slot`.
    pub(crate) fn with_pool(pool: Pool, node: &str, slot: Duration) -> PgTrunkBudget {
        let node: Arc<str> = node.into();
        let (releases, queued) = mpsc::unbounded_channel();
        tokio::spawn(write_releases(pool.clone(), Arc::clone(&node), queued));
        PgTrunkBudget {
            pool,
            node,
            slot,
            releases,
        }
    }

    /// One `trunk_acquire` call: (granted, ms until a rate slot frees).
    async fn acquire(&self, trunk: &TrunkLimits) -> Result<(bool, Option<i64>), StoreError> {
        let client = self.pool.get().await?;
        let max_cps = trunk.max_cps.map(clamp_i32);
        let max_concurrent = trunk.max_concurrent.map(clamp_i32);
        let slot_ms = i32::try_from(self.slot.as_millis()).unwrap_or(i32::MAX);
        let row = client
            .query_one(
                "SELECT granted, retry_ms FROM trunk_acquire($1, $2, $3, $4, $5)",
                &[
                    &trunk.name,
                    &&*self.node,
                    &max_cps,
                    &max_concurrent,
                    &slot_ms,
                ],
            )
            .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}

/// A limit as the database's INTEGER (no trunk takes 2^31 calls).
fn clamp_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl TrunkBudget for PgTrunkBudget {
    fn try_acquire<'a>(&'a self, trunk: &'a TrunkLimits, now: Instant) -> AcquireFuture<'a> {
        Box::pin(async move {
            // Without limits there is nothing to share: no round trip.
            if trunk.max_cps.is_none() && trunk.max_concurrent.is_none() {
                return Ok(Admission::Granted);
            }
            match self.acquire(trunk).await {
                Ok((true, _)) => Ok(Admission::Granted),
                Ok((false, retry_ms)) => Ok(Admission::Denied {
                    retry_at: retry_ms
                        .map(|ms| now + Duration::from_millis(u64::try_from(ms).unwrap_or(0))),
                }),
                Err(e) => Err(BudgetError::Store(Box::new(e))),
            }
        })
    }

    fn release(&self, trunk: &TrunkLimits) {
        // Only a concurrency limit is held past the grant.
        if trunk.max_concurrent.is_some() {
            // Fails only when the writer is gone, i.e. the runtime is shutting down: the
            // node's holds are then released when it starts again or is declared lost.
            let _ = self.releases.send(trunk.name.clone());
        }
    }
}

/// Writes the queued releases of `node` until the budget is dropped.
async fn write_releases(pool: Pool, node: Arc<str>, mut queued: mpsc::UnboundedReceiver<String>) {
    while let Some(trunk) = queued.recv().await {
        if let Err(e) = release_one(&pool, &node, &trunk).await {
            warn!(trunk = %trunk, error = %e, "trunk budget: a call's release not written");
        }
    }
}

/// Gives back one call of `node` on `trunk`.
pub(crate) async fn release_one(pool: &Pool, node: &str, trunk: &str) -> Result<(), StoreError> {
    let client = pool.get().await?;
    client
        .execute(
            "UPDATE trunk_holds SET held = held - 1
             WHERE trunk = $1 AND node = $2 AND held > 0",
            &[&trunk, &node],
        )
        .await?;
    Ok(())
}

/// Deletes every call `node` holds on any trunk, unless it has beaten at or after
/// `unless_beaten_since_ms` (a lost node that came back keeps its calls); returns how many
/// calls that freed.
pub(crate) async fn release_holds_of_node(
    pool: &Pool,
    node: &str,
    unless_beaten_since_ms: Option<i64>,
) -> Result<u64, StoreError> {
    let client = pool.get().await?;
    let row = client
        .query_one(
            "WITH gone AS (
                DELETE FROM trunk_holds WHERE node = $1 AND NOT EXISTS (
                    SELECT 1 FROM nodes
                    WHERE nodes.node = $1 AND $2::BIGINT IS NOT NULL AND heartbeat_ms >= $2
                ) RETURNING held
             )
             SELECT COALESCE(SUM(held), 0)::BIGINT FROM gone",
            &[&node, &unless_beaten_since_ms],
        )
        .await?;
    let freed: i64 = row.try_get(0)?;
    Ok(u64::try_from(freed).unwrap_or(0))
}

/// The calls `node` holds on `trunk` now (tests and diagnostics).
#[cfg(test)]
pub(crate) async fn held(pool: &Pool, trunk: &str, node: &str) -> Result<i64, StoreError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT held::BIGINT FROM trunk_holds WHERE trunk = $1 AND node = $2",
            &[&trunk, &node],
        )
        .await?;
    Ok(match row {
        Some(row) => row.try_get(0)?,
        None => 0,
    })
}
