//! The PostgreSQL backend: the nodes of a cluster share one database. Spoken with
//! tokio-postgres (asynchronous: nothing blocks a runtime worker) through a small
//! deadpool pool; the schema is `migrations/postgres`, run by refinery.
//!
//! What one SQLite connection gives for free is explicit here: the velocity limits and a
//! repeated `instruction-id` are checked under transaction-scoped advisory locks (one per
//! tenant and one per callee), so two nodes cannot both pass the same limit; a call's
//! row is locked while its outcome is written.
//!
//! Statements are prepared once per pooled connection (deadpool's statement cache): a
//! statement given as text would cost two round trips each time (parse, then bind and
//! execute), a cached one costs one.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use sha2::{Digest, Sha256};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{NoTls, Row};
use tracing::warn;

use crate::config::VelocityLimits;
use crate::error::StoreError;
use crate::event::{CallIdentity, FinishedEvent, StoredOutcome, kind_name};

use super::rows::{
    CALL_COLUMN_COUNT, CALL_COLUMNS, OUTBOX_COLUMNS, StoredRow, call_from_row, outbox_from_row,
};
use super::{
    Attempt, CallRecord, CdrFilter, ClaimedCall, Inserted, LimitHit, NewInstruction, OutboxItem,
    OutboxSkip, QueueState, rules,
};

/// The schema's versioned migrations (`migrations/postgres/V<n>__<what>.sql`).
mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

/// Connections per node: the API, the call tasks and the callback worker share them, and
/// each holds one only for a statement or a short transaction.
const POOL_SIZE: usize = 8;

/// How long a connect, or a wait for a free connection, may take before the request fails
/// (and `/healthz` says not ready) instead of hanging.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The advisory lock (two-key form, so it cannot meet the one-key locks of the limits)
/// held while one node migrates the schema, so nodes starting together take turns.
const MIGRATION_LOCK: (i32, i32) = (0x766f_7470, 1);

/// The connection settings of `url`, with [`CONNECT_TIMEOUT`] unless it names one.
pub(crate) fn connect_config(url: &str) -> Result<tokio_postgres::Config, StoreError> {
    let mut config: tokio_postgres::Config = url.parse()?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    Ok(config)
}

/// A pool of at most `size` connections to `config`. It connects on first use, so building
/// it needs no database.
pub(crate) fn build_pool(config: tokio_postgres::Config, size: usize) -> Result<Pool, StoreError> {
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Ok(Pool::builder(manager)
        .max_size(size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(CONNECT_TIMEOUT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .build()?)
}

/// The `LISTEN`/`NOTIFY` channel of the shared work queue: notified, on commit, when calls
/// are queued (accepted, or released by a lost or stopping node).
pub(crate) const QUEUE_CHANNEL: &str = "voice_otp_queue";

/// Handle to the PostgreSQL database; cheap to clone.
#[derive(Clone)]
pub(crate) struct PgStore {
    pool: Pool,
    /// For connections of their own (the queue's `LISTEN`).
    config: Arc<tokio_postgres::Config>,
    /// This daemon's node id, written with each call it accepts.
    node: Arc<str>,
}

impl PgStore {
    /// Connects to `url`, migrates the schema and builds the pool. The URL was checked
    /// when the configuration was read.
    pub(crate) async fn open(url: &str, node: &str) -> Result<PgStore, StoreError> {
        let config = connect_config(url)?;
        migrate(&config).await?;
        Ok(PgStore {
            pool: build_pool(config.clone(), POOL_SIZE)?,
            config: Arc::new(config),
            node: node.into(),
        })
    }

    /// The connection settings, for a connection outside the pool.
    pub(crate) fn connect_config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    /// Claims up to `limit` queued calls for this node, oldest first: `queued` rows locked by
    /// another node's claim at the same moment are skipped, not waited for. Each becomes
    /// `claimed` by this node and is returned with its sealed spec.
    pub(crate) async fn claim_queued(&self, limit: u32) -> Result<Vec<ClaimedCall>, StoreError> {
        let client = self.client().await?;
        let rows = fetch_all(
            &client,
            "WITH next AS (
                     SELECT call_id FROM calls WHERE state = 'queued'
                     ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED
                 ), claimed AS (
                     UPDATE calls c SET state = 'claimed', node = $2
                     FROM next WHERE c.call_id = next.call_id
                     RETURNING c.call_id, c.sealed_spec, c.seq
                 )
                 SELECT call_id, sealed_spec FROM claimed ORDER BY seq",
            &[&i64::from(limit), &&*self.node],
        )
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ClaimedCall {
                    call_id: r.try_get(0)?,
                    sealed: r.try_get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Marks a call this node claimed as dialled and forgets its sealed spec. False when it
    /// is no longer this node's claim (a survivor released it, or it ended): then it must
    /// not be dialled.
    pub(crate) async fn start_dialling(&self, call_id: &str) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = execute(
            &client,
            "UPDATE calls SET state = 'dialling', sealed_spec = NULL
                 WHERE call_id = $1 AND node = $2 AND state = 'claimed'",
            &[&call_id, &&*self.node],
        )
        .await?;
        Ok(n == 1)
    }

    /// Gives this node's claimed, not dialled calls back to the queue (`call_id`, or all of
    /// them), with a `NOTIFY` so another node places them. Returns how many.
    pub(crate) async fn release_claimed(&self, call_id: Option<&str>) -> Result<u64, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let n = requeue_claims(&tx, &self.node, call_id).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The connection pool (for the trunk budget's store functions).
    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A connection of the pool.
    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await?)
    }

    /// See [`super::Store::ping`].
    pub(crate) async fn ping(&self) -> bool {
        match self.client().await {
            Ok(c) => c.query_one("SELECT 1", &[]).await.is_ok(),
            Err(_) => false,
        }
    }

    /// See [`super::Store::insert_instruction`]: the tenant's and the callees' advisory
    /// locks are held from the first count to the commit.
    pub(crate) async fn insert_instruction(
        &self,
        ins: NewInstruction,
        limits: VelocityLimits,
    ) -> Result<Inserted, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Taken in one global order (sorted keys), so two requests cannot deadlock.
        for key in lock_keys(&ins) {
            execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&key]).await?;
        }
        if let Some(id) = &ins.instruction_id {
            let first = fetch_opt(
                &tx,
                "SELECT response FROM idempotency
                     WHERE tenant = $1 AND instruction_id = $2 AND created_ms > $3",
                &[&ins.tenant, id, &(ins.created_ms - rules::IDEMPOTENCY_MS)],
            )
            .await?;
            if let Some(row) = first {
                return Ok(Inserted::Repeat(row.try_get(0)?));
            }
        }
        if let Some(hit) = check_velocity(&tx, &ins, limits).await? {
            // Dropping the transaction writes nothing.
            return Ok(Inserted::Limited(hit));
        }
        if let Some(id) = &ins.instruction_id {
            // Expired answers go as new ones come, so the table holds at most a day of them.
            execute(
                &tx,
                "DELETE FROM idempotency WHERE created_ms <= $1",
                &[&(ins.created_ms - rules::IDEMPOTENCY_MS)],
            )
            .await?;
            execute(
                &tx,
                "INSERT INTO idempotency (tenant, instruction_id, created_ms, response)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (tenant, instruction_id)
                 DO UPDATE SET created_ms = EXCLUDED.created_ms, response = EXCLUDED.response",
                &[&ins.tenant, id, &ins.created_ms, &ins.response],
            )
            .await?;
        }
        insert_rows(&tx, &ins, &self.node).await?;
        if !ins.sealed_specs.is_empty() {
            // Delivered to the listeners when (and only if) the transaction commits.
            notify_queue(&tx).await?;
        }
        tx.commit().await?;
        Ok(Inserted::New)
    }

    /// See [`super::Store::finish_call`]: the call's row stays locked until the outcome
    /// and its callback are committed, so two writers cannot both record an outcome.
    pub(crate) async fn finish_call(
        &self,
        call_id: String,
        outcome: StoredOutcome,
        now_ms: i64,
    ) -> Result<Option<(FinishedEvent, bool)>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some((record, url)) = load_call_for_update(&tx, &call_id).await? else {
            return Ok(None);
        };
        if record.outcome.is_some() {
            return Ok(None);
        }
        let event = write_outcome(&tx, &record.identity, url.as_deref(), &outcome, now_ms).await?;
        tx.commit().await?;
        Ok(Some((event, url.is_some())))
    }

    /// See [`super::Store::close_orphans`]: only the calls of this node, so a node that
    /// restarts never ends the live calls of the others.
    pub(crate) async fn close_orphans(&self, now_ms: i64) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Claimed but never dialled: their sealed specs are still there, so they can still
        // be placed, by any node.
        requeue_claims(&tx, &self.node, None).await?;
        let closed = close_open_calls(&tx, &self.node, now_ms, rules::RESTARTED).await?;
        tx.commit().await?;
        Ok(closed)
    }

    /// See [`super::Store::heartbeat`].
    pub(crate) async fn heartbeat(&self, now_ms: i64) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "INSERT INTO nodes (node, heartbeat_ms) VALUES ($1, $2)
                 ON CONFLICT (node) DO UPDATE SET heartbeat_ms = EXCLUDED.heartbeat_ms",
            &[&&*self.node, &now_ms],
        )
        .await?;
        Ok(())
    }

    /// See [`super::Store::lost_nodes`].
    pub(crate) async fn lost_nodes(
        &self,
        now_ms: i64,
        timeout_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        let client = self.client().await?;
        let rows = fetch_all(
            &client,
            "SELECT node FROM nodes WHERE heartbeat_ms < $1 AND node <> $2 ORDER BY node",
            &[&(now_ms - timeout_ms), &&*self.node],
        )
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    /// See [`super::Store::close_calls_of_node`]: the node's row stays locked until the
    /// calls are closed, so two survivors cannot both close them, and a heartbeat that
    /// comes meanwhile waits and then finds the node alive again.
    pub(crate) async fn close_calls_of_node(
        &self,
        node: String,
        now_ms: i64,
        timeout_ms: i64,
    ) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let heartbeat = fetch_opt(
            &tx,
            "SELECT heartbeat_ms FROM nodes WHERE node = $1 FOR UPDATE",
            &[&node],
        )
        .await?
        .map(|r| r.try_get::<_, i64>(0))
        .transpose()?;
        // Gone from the table (another survivor closed it) or beating again: not lost.
        if heartbeat.is_none_or(|h| h >= now_ms - timeout_ms) {
            return Ok(0);
        }
        // Its claimed, not dialled calls are placed by the others; only the dialled ones
        // (which no other node may take over) end as node lost.
        requeue_claims(&tx, &node, None).await?;
        let closed = close_open_calls(&tx, &node, now_ms, rules::NODE_LOST).await?;
        execute(&tx, "DELETE FROM nodes WHERE node = $1", &[&node]).await?;
        tx.commit().await?;
        Ok(closed)
    }

    /// See [`super::Store::get_call`].
    pub(crate) async fn get_call(
        &self,
        call_id: String,
        tenant: String,
    ) -> Result<Option<CallRecord>, StoreError> {
        let client = self.client().await?;
        let row = fetch_opt(
            &client,
            &format!("SELECT {CALL_COLUMNS}, state FROM calls WHERE call_id = $1 AND tenant = $2"),
            &[&call_id, &tenant],
        )
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (mut record, _) = call_from_row(&row)?;
        let state: String = row.try_get(CALL_COLUMN_COUNT)?;
        record.queue_state = QueueState::from_column(&state);
        Ok(Some(record))
    }

    /// See [`super::Store::query_cdrs`].
    pub(crate) async fn query_cdrs(
        &self,
        filter: CdrFilter,
    ) -> Result<Vec<FinishedEvent>, StoreError> {
        let client = self.client().await?;
        let rows = fetch_all(
            &client,
            &format!(
                "SELECT {CALL_COLUMNS} FROM calls WHERE result_code IS NOT NULL
                       AND ($1::BIGINT IS NULL OR started_ms >= $1)
                       AND ($2::BIGINT IS NULL OR started_ms < $2)
                       AND ($3::TEXT IS NULL OR instruction_id = $3)
                       AND tenant = $5
                     ORDER BY started_ms DESC, seq DESC LIMIT $4"
            ),
            &[
                &filter.since_ms,
                &filter.until_ms,
                &filter.instruction_id,
                &i64::from(filter.limit),
                &filter.tenant,
            ],
        )
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let (record, _) = call_from_row(row)?;
            if let Some(o) = &record.outcome {
                out.push(FinishedEvent::from_parts(&record.identity, o));
            }
        }
        Ok(out)
    }

    /// See [`super::Store::due_callbacks`]: the due rows are claimed, leased to this node
    /// until `now_ms + lease_ms`. A row another node holds under a lease not yet expired is
    /// not due; one this node holds is (the worker's `skip` keeps out the rows it has in
    /// flight, and a restarted node takes back at once what it held when it died). Rows
    /// another node is claiming at the same moment are skipped, not waited for.
    pub(crate) async fn due_callbacks(
        &self,
        now_ms: i64,
        limit: u32,
        skip: OutboxSkip,
        lease_ms: i64,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let client = self.client().await?;
        let rows = fetch_all(
            &client,
            &format!(
                "WITH due AS (
                         SELECT id FROM outbox
                         WHERE delivered_ms IS NULL AND NOT gave_up AND next_attempt_ms <= $1
                           AND (lease_until_ms IS NULL OR lease_until_ms <= $1 OR lease_node = $5)
                           AND NOT (id = ANY($3)) AND NOT (receiver = ANY($4))
                         ORDER BY next_attempt_ms, id LIMIT $2
                         FOR UPDATE SKIP LOCKED
                     ), claimed AS (
                         UPDATE outbox o SET lease_node = $5, lease_until_ms = $1 + $6
                         FROM due WHERE o.id = due.id
                         RETURNING o.*
                     )
                     SELECT {OUTBOX_COLUMNS} FROM claimed ORDER BY next_attempt_ms, id"
            ),
            &[
                &now_ms,
                &i64::from(limit),
                &skip.ids,
                &skip.receivers,
                &&*self.node,
                &lease_ms,
            ],
        )
        .await?;
        rows.iter().map(outbox_from_row).collect()
    }

    /// See [`super::Store::next_callback_due`]: a row another node holds is due when its
    /// lease expires, if that is later.
    pub(crate) async fn next_callback_due(
        &self,
        skip: OutboxSkip,
    ) -> Result<Option<i64>, StoreError> {
        let client = self.client().await?;
        let row = fetch_one(
            &client,
            "SELECT MIN(CASE WHEN lease_node IS NOT NULL AND lease_node <> $3
                                  THEN GREATEST(next_attempt_ms, lease_until_ms)
                                  ELSE next_attempt_ms END)
                 FROM outbox WHERE delivered_ms IS NULL AND NOT gave_up
                   AND NOT (id = ANY($1)) AND NOT (receiver = ANY($2))",
            &[&skip.ids, &skip.receivers, &&*self.node],
        )
        .await?;
        Ok(row.try_get(0)?)
    }

    /// See [`super::Store::record_attempt`]: the lease goes with it.
    pub(crate) async fn record_attempt(
        &self,
        id: i64,
        status: String,
        attempt: Attempt,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        match attempt {
            Attempt::Delivered { at_ms } => {
                execute(
                    &client,
                    "UPDATE outbox SET attempts = attempts + 1, delivered_ms = $2,
                         last_status = $3, lease_node = NULL, lease_until_ms = NULL
                         WHERE id = $1",
                    &[&id, &at_ms, &status],
                )
                .await?
            }
            Attempt::Retry { next_ms } => {
                execute(
                    &client,
                    "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = $2,
                         last_status = $3, lease_node = NULL, lease_until_ms = NULL
                         WHERE id = $1",
                    &[&id, &next_ms, &status],
                )
                .await?
            }
            Attempt::GaveUp => {
                execute(
                    &client,
                    "UPDATE outbox SET attempts = attempts + 1, gave_up = TRUE,
                         last_status = $2, lease_node = NULL, lease_until_ms = NULL
                         WHERE id = $1",
                    &[&id, &status],
                )
                .await?
            }
        };
        Ok(())
    }

    /// See [`super::Store::prune_outbox`].
    pub(crate) async fn prune_outbox(&self, before_ms: i64) -> Result<usize, StoreError> {
        let client = self.client().await?;
        let n = execute(
            &client,
            "DELETE FROM outbox WHERE (delivered_ms IS NOT NULL OR gave_up)
                 AND created_ms < $1",
            &[&before_ms],
        )
        .await?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// See [`super::Store::checkpoint`]: PostgreSQL has every commit durable already.
    pub(crate) async fn checkpoint(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// The rows of an accepted instruction: the instruction and one call per callee, each
/// recorded as this `node`'s.
async fn insert_rows(
    tx: &deadpool_postgres::Transaction<'_>,
    ins: &NewInstruction,
    node: &str,
) -> Result<(), StoreError> {
    let row: i64 = fetch_one(
        tx,
        "INSERT INTO instructions (instruction_id, kind, caller, anonymous, callback_url,
                    voicemail_response, created_ms, tenant)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        &[
            &ins.instruction_id,
            &kind_name(ins.kind),
            &ins.caller,
            &ins.anonymous,
            &ins.callback_url,
            &ins.voicemail_response,
            &ins.created_ms,
            &ins.tenant,
        ],
    )
    .await?
    .try_get(0)?;
    let stmt = tx
        .prepare_cached(
            "INSERT INTO calls (call_id, instruction_row, instruction_id, kind, caller,
                    callee, callback_url, created_ms, tenant, node, state, sealed_spec)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .await?;
    let queued = !ins.sealed_specs.is_empty();
    if queued && ins.sealed_specs.len() != ins.calls.len() {
        return Err(StoreError::Corrupt {
            column: "calls.sealed_spec",
        });
    }
    for (i, (call_id, callee)) in ins.calls.iter().enumerate() {
        // Queued: no node yet, the sealed spec waits for one. Otherwise this node runs it.
        let (node, state, sealed) = if queued {
            (None, "queued", Some(ins.sealed_specs[i].as_slice()))
        } else {
            (Some(node), "dialling", None)
        };
        tx.execute(
            &stmt,
            &[
                call_id,
                &row,
                &ins.instruction_id,
                &kind_name(ins.kind),
                &ins.caller,
                callee,
                &ins.callback_url,
                &ins.created_ms,
                &ins.tenant,
                &node,
                &state,
                &sealed,
            ],
        )
        .await?;
    }
    Ok(())
}

/// `NOTIFY` of [`QUEUE_CHANNEL`]: sent when `tx` commits.
async fn notify_queue(tx: &deadpool_postgres::Transaction<'_>) -> Result<(), StoreError> {
    execute(tx, "SELECT pg_notify($1, '')", &[&QUEUE_CHANNEL]).await?;
    Ok(())
}

/// Puts the claimed, not dialled calls of `node` (`call_id`, or all of them) back in the
/// queue, with a `NOTIFY` when there were any. Returns how many.
async fn requeue_claims(
    tx: &deadpool_postgres::Transaction<'_>,
    node: &str,
    call_id: Option<&str>,
) -> Result<u64, StoreError> {
    let n = execute(
        tx,
        "UPDATE calls SET state = 'queued', node = NULL
             WHERE node = $1 AND state = 'claimed' AND ($2::TEXT IS NULL OR call_id = $2)",
        &[&node, &call_id],
    )
    .await?;
    if n > 0 {
        notify_queue(tx).await?;
    }
    Ok(n)
}

/// Runs the migrations on a connection of its own, under [`MIGRATION_LOCK`].
async fn migrate(config: &tokio_postgres::Config) -> Result<(), StoreError> {
    let (mut client, connection) = config.connect(NoTls).await?;
    let driver = tokio::spawn(async move {
        if let Err(e) = connection.await {
            warn!(error = %e, "store: the migration connection failed");
        }
    });
    let (a, b) = MIGRATION_LOCK;
    client
        .execute("SELECT pg_advisory_lock($1, $2)", &[&a, &b])
        .await?;
    let report = embedded::migrations::runner()
        .set_abort_missing(true)
        .run_async(&mut client)
        .await;
    // The lock would go with the connection anyway; unlocking says so sooner.
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1, $2)", &[&a, &b])
        .await;
    drop(client);
    let _ = driver.await;
    report?;
    unlocked?;
    Ok(())
}

/// The advisory lock keys of an instruction: its tenant's and each callee's, sorted and
/// without repeats. A key is the first 8 bytes of a SHA-256, the same on every node.
fn lock_keys(ins: &NewInstruction) -> BTreeSet<i64> {
    let key = |kind: &str, value: &str| {
        let digest = Sha256::new()
            .chain_update(kind.as_bytes())
            .chain_update([0])
            .chain_update(value.as_bytes())
            .finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(first)
    };
    std::iter::once(key("tenant", &ins.tenant))
        .chain(ins.calls.iter().map(|(_, callee)| key("callee", callee)))
        .collect()
}

/// The first limit the instruction would break, counted from the stored calls.
async fn check_velocity(
    tx: &deadpool_postgres::Transaction<'_>,
    ins: &NewInstruction,
    limits: VelocityLimits,
) -> Result<Option<LimitHit>, StoreError> {
    let now = ins.created_ms;
    let counts = fetch_one(
        tx,
        "SELECT COUNT(*) FILTER (WHERE result_code IS NULL),
                    COUNT(*) FILTER (WHERE created_ms > $2)
             FROM calls WHERE tenant = $1 AND (result_code IS NULL OR created_ms > $2)",
        &[&ins.tenant, &(now - 1000)],
    )
    .await?;
    let n = ins.calls.len() as i64;
    if let Some(hit) = rules::tenant_hit(limits, counts.try_get(0)?, counts.try_get(1)?, n) {
        return Ok(Some(hit));
    }
    let stmt = tx
        .prepare_cached(
            "SELECT COUNT(*), MIN(created_ms) FROM calls WHERE callee = $1 AND created_ms > $2",
        )
        .await?;
    for window in rules::callee_windows(limits) {
        for (_, callee) in &ins.calls {
            let row = tx.query_one(&stmt, &[callee, &(now - window.1)]).await?;
            if let Some(hit) =
                rules::callee_window_hit(window, row.try_get(0)?, row.try_get(1)?, now)
            {
                return Ok(Some(hit));
            }
        }
    }
    Ok(None)
}

impl StoredRow for Row {
    fn text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(i)?)
    }

    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        // Counts and codes are INTEGER, times BIGINT: the driver reads each as its own type.
        if *self.columns()[i].type_() == Type::INT4 {
            Ok(self.try_get::<_, Option<i32>>(i)?.map(i64::from))
        } else {
            Ok(self.try_get(i)?)
        }
    }
}

/// Records the open calls of `node` as failed for `reason`, with their callbacks. Returns
/// how many.
async fn close_open_calls(
    tx: &deadpool_postgres::Transaction<'_>,
    node: &str,
    now_ms: i64,
    reason: &str,
) -> Result<usize, StoreError> {
    let ids: Vec<String> = fetch_all(
        tx,
        "SELECT call_id FROM calls WHERE result_code IS NULL AND node = $1",
        &[&node],
    )
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    let mut closed = 0;
    for id in &ids {
        if let Some((record, url)) = load_call_for_update(tx, id).await?
            && record.outcome.is_none()
        {
            let outcome = rules::orphan_outcome(record.created_ms, now_ms, reason);
            write_outcome(tx, &record.identity, url.as_deref(), &outcome, now_ms).await?;
            closed += 1;
        }
    }
    Ok(closed)
}

/// A call and its callback URL, its row locked until the transaction ends.
async fn load_call_for_update(
    tx: &deadpool_postgres::Transaction<'_>,
    call_id: &str,
) -> Result<Option<(CallRecord, Option<String>)>, StoreError> {
    let row = fetch_opt(
        tx,
        &format!("SELECT {CALL_COLUMNS} FROM calls WHERE call_id = $1 FOR UPDATE"),
        &[&call_id],
    )
    .await?;
    row.map(|r| call_from_row(&r)).transpose()
}

async fn write_outcome(
    tx: &deadpool_postgres::Transaction<'_>,
    identity: &CallIdentity,
    url: Option<&str>,
    o: &StoredOutcome,
    now_ms: i64,
) -> Result<FinishedEvent, StoreError> {
    let input_attempts = o.input.as_ref().map(|i| i32::from(i.attempts));
    let params: [&(dyn ToSql + Sync); 14] = [
        &identity.call_id,
        &i32::from(o.result_code),
        &o.started_ms,
        &o.answered_ms,
        &o.ended_ms,
        &i32::try_from(o.code_read_count).unwrap_or(i32::MAX),
        &i32::try_from(o.replays).unwrap_or(i32::MAX),
        &o.dtmf,
        &o.sip_code.map(i32::from),
        &o.sip_reason,
        &o.input.as_ref().map(|i| i.digits.as_str()),
        &o.input.as_ref().map(|i| i.status.as_str()),
        &input_attempts,
        &o.keypress_check.as_str(),
    ];
    // An ended call's sealed spec goes with its queue state, whichever way it ended.
    execute(
        tx,
        "UPDATE calls SET result_code = $2, started_ms = $3, answered_ms = $4, ended_ms = $5,
            code_read_count = $6, replays = $7, dtmf = $8, sip_code = $9, sip_reason = $10,
            input_digits = $11, input_status = $12, input_attempts = $13, keypress_check = $14,
            state = 'ended', sealed_spec = NULL
         WHERE call_id = $1",
        &params,
    )
    .await?;
    let event = FinishedEvent::from_parts(identity, o);
    if let Some(url) = url {
        execute(
            tx,
            "INSERT INTO outbox (call_id, url, receiver, body, created_ms, next_attempt_ms)
             VALUES ($1, $2, $3, $4, $5, $5)",
            &[
                &identity.call_id,
                &url,
                &rules::receiver_of(url),
                &rules::event_body(&event),
                &now_ms,
            ],
        )
        .await?;
    }
    Ok(event)
}

/// Runs `sql` on `c` (a pooled connection or a transaction). Statements are prepared once
/// per pooled connection (deadpool's statement cache) and then only bound and executed:
/// one round trip each instead of a prepare and an execute.
async fn execute(
    c: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, StoreError> {
    Ok(c.execute(&c.prepare_cached(sql).await?, params).await?)
}

/// [`execute`] for a query: every row.
async fn fetch_all(
    c: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Row>, StoreError> {
    Ok(c.query(&c.prepare_cached(sql).await?, params).await?)
}

/// [`execute`] for a query of exactly one row.
async fn fetch_one(
    c: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Row, StoreError> {
    Ok(c.query_one(&c.prepare_cached(sql).await?, params).await?)
}

/// [`execute`] for a query of at most one row.
async fn fetch_opt(
    c: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Option<Row>, StoreError> {
    Ok(c.query_opt(&c.prepare_cached(sql).await?, params).await?)
}
