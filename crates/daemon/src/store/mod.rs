//! The store: instructions, calls with their CDRs, the callback outbox, the idempotency
//! answers and what the velocity limits count, behind one interface with one backend per
//! database: SQLite ([`sqlite`], the embedded default) and PostgreSQL ([`postgres`], for
//! several nodes on one database).
//!
//! The OTP code is never written here, not even hashed: the rows hold only what the CDR and
//! the finished event show. A call's outcome and its callback are written in one
//! transaction, so a crash loses neither. No backend blocks a runtime worker: SQLite work
//! runs on tokio's blocking pool, PostgreSQL is spoken asynchronously.

pub(crate) mod liveness;
mod postgres;
mod rows;
mod rules;
mod sqlite;
#[cfg(test)]
mod tests;
mod trunk_budget;

pub(crate) use postgres::{PgStore, QUEUE_CHANNEL};

pub(crate) use sqlite::SqliteStore;
pub(crate) use trunk_budget::PgTrunkBudget;

use crate::config::{StoreConfig, VelocityLimits};
use crate::error::StoreError;
use crate::event::{CallIdentity, FinishedEvent, StoredOutcome};

/// What is recorded when a request is accepted: one instruction, one row per callee.
#[derive(Debug, Clone)]
pub(crate) struct NewInstruction {
    pub(crate) instruction_id: Option<String>,
    pub(crate) kind: voice_otp_call::CallKind,
    /// The tenant whose token placed it: only it sees the calls.
    pub(crate) tenant: String,
    pub(crate) caller: String,
    pub(crate) anonymous: bool,
    pub(crate) callback_url: Option<String>,
    pub(crate) voicemail_response: Option<&'static str>,
    pub(crate) created_ms: i64,
    /// (call id, callee)
    pub(crate) calls: Vec<(String, String)>,
    /// The JSON answered to the client (call ids, never the code), kept for a repeated
    /// `instruction-id`.
    pub(crate) response: String,
    /// Cluster mode (PostgreSQL): each call's spec sealed under the cluster secret, in the
    /// order of `calls`. The calls are then stored queued, for whichever node claims them;
    /// empty: this node runs them itself (SQLite always).
    pub(crate) sealed_specs: Vec<Vec<u8>>,
}

/// Where a call stands in the shared work queue (PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueueState {
    /// Accepted, waiting for a node with a free slot.
    Queued,
    /// A node took it and is opening its spec.
    Claimed,
    /// A node placed it.
    Dialling,
}

impl QueueState {
    fn from_column(v: &str) -> Option<QueueState> {
        match v {
            "queued" => Some(QueueState::Queued),
            "claimed" => Some(QueueState::Claimed),
            "dialling" => Some(QueueState::Dialling),
            _ => None,
        }
    }

    /// The `state` of `GET /v1/calls/{id}` for a call no live state of this node knows.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            QueueState::Queued | QueueState::Claimed => "queued",
            QueueState::Dialling => "dialling",
        }
    }
}

/// A call this node claimed from the shared queue.
#[derive(Debug)]
pub(crate) struct ClaimedCall {
    pub(crate) call_id: String,
    /// Its sealed spec, opened with the cluster key.
    pub(crate) sealed: Vec<u8>,
}

/// What storing an instruction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Inserted {
    /// Stored with its calls: launch them.
    New,
    /// The tenant sent this `instruction-id` within 24 h: nothing stored; the first answer.
    Repeat(String),
    /// A velocity limit would be broken: nothing stored.
    Limited(LimitHit),
}

/// A call as the store knows it.
#[derive(Debug, Clone)]
pub(crate) struct CallRecord {
    pub(crate) identity: CallIdentity,
    pub(crate) created_ms: i64,
    pub(crate) outcome: Option<StoredOutcome>,
    /// PostgreSQL: where an un-ended call stands in the shared queue (any node's call).
    pub(crate) queue_state: Option<QueueState>,
}

/// One pending callback delivery.
#[derive(Debug, Clone)]
pub(crate) struct OutboxItem {
    pub(crate) id: i64,
    pub(crate) call_id: String,
    pub(crate) url: String,
    /// [`rules::receiver_of`] the URL.
    pub(crate) receiver: String,
    pub(crate) body: String,
    pub(crate) created_ms: i64,
    pub(crate) attempts: u32,
}

/// Filters of `GET /v1/cdrs`.
#[derive(Debug, Clone, Default)]
pub(crate) struct CdrFilter {
    pub(crate) since_ms: Option<i64>,
    pub(crate) until_ms: Option<i64>,
    pub(crate) instruction_id: Option<String>,
    pub(crate) limit: u32,
    /// Only this tenant's calls.
    pub(crate) tenant: String,
}

/// A velocity limit a request would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LimitHit {
    /// The `[guard]` key of the limit.
    pub(crate) limit: &'static str,
    /// Seconds until a request like it can pass.
    pub(crate) retry_after: u64,
}

/// Outbox rows the worker does not want back from a query.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutboxSkip {
    /// Row ids (in flight, or with an attempt not yet recorded).
    pub(crate) ids: Vec<i64>,
    /// Receivers at their concurrency limit.
    pub(crate) receivers: Vec<String>,
}

impl OutboxSkip {
    /// Both lists as JSON arrays, for `json_each` (one bound parameter, any length).
    fn to_json(&self) -> (String, String) {
        (
            serde_json::to_string(&self.ids).unwrap_or_else(|_| "[]".to_owned()),
            serde_json::to_string(&self.receivers).unwrap_or_else(|_| "[]".to_owned()),
        )
    }
}

/// The result of one delivery attempt.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Attempt {
    /// 2xx received.
    Delivered { at_ms: i64 },
    /// Failed; try again then.
    Retry { next_ms: i64 },
    /// Failed and out of time.
    GaveUp,
}

/// Handle to the database of either backend; cheap to clone. Every method means the same
/// on both (the behaviour tests in `tests/` run against each).
#[derive(Clone)]
pub(crate) enum Store {
    /// One SQLite file: one node.
    Sqlite(SqliteStore),
    /// One PostgreSQL database shared by the nodes of a cluster.
    Postgres(PgStore),
}

/// Runs the same expression on whichever backend `$store` holds.
macro_rules! on_backend {
    ($store:expr, $s:ident => $e:expr) => {
        match $store {
            Store::Sqlite($s) => $e,
            Store::Postgres($s) => $e,
        }
    };
}

impl Store {
    /// Opens the database `config` names, creating and migrating its schema as needed.
    /// `node` is this daemon's id in a cluster: PostgreSQL records it with each call.
    pub(crate) async fn open(config: &StoreConfig, node: &str) -> Result<Store, StoreError> {
        if let Some(url) = &config.url {
            return Ok(Store::Postgres(PgStore::open(url, node).await?));
        }
        let path = config.path.clone();
        let node = node.to_owned();
        let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path, &node))
            .await
            .map_err(|_| StoreError::Task)??;
        Ok(Store::Sqlite(store))
    }

    /// `SELECT 1`, for readiness.
    pub(crate) async fn ping(&self) -> bool {
        on_backend!(self, s => s.ping().await)
    }

    /// Records an accepted instruction and its calls (all queued). The velocity limits are
    /// counted and a repeated `instruction-id` is looked up in the same transaction, with
    /// no other request of the tenant counted in between; over a limit or on a repeat,
    /// nothing is written.
    pub(crate) async fn insert_instruction(
        &self,
        ins: NewInstruction,
        limits: VelocityLimits,
    ) -> Result<Inserted, StoreError> {
        on_backend!(self, s => s.insert_instruction(ins, limits).await)
    }

    /// Stores a call's outcome and, if it has a callback URL, enqueues the finished event,
    /// in one transaction. Returns the event and whether a callback was queued. A call
    /// that already has an outcome keeps it (and `None` is returned).
    pub(crate) async fn finish_call(
        &self,
        call_id: String,
        outcome: StoredOutcome,
        now_ms: i64,
    ) -> Result<Option<(FinishedEvent, bool)>, StoreError> {
        on_backend!(self, s => s.finish_call(call_id, outcome, now_ms).await)
    }

    /// Calls of this node that were accepted but never got an outcome (the daemon died):
    /// they are ended as Failed now, with their callbacks enqueued. The code is gone with
    /// the process, so they cannot be dialled again. Returns how many were closed.
    pub(crate) async fn close_orphans(&self, now_ms: i64) -> Result<usize, StoreError> {
        on_backend!(self, s => s.close_orphans(now_ms).await)
    }

    /// The PostgreSQL backend, for what only it has (the shared work queue).
    pub(crate) fn as_postgres(&self) -> Option<&PgStore> {
        match self {
            Store::Sqlite(_) => None,
            Store::Postgres(s) => Some(s),
        }
    }

    /// Whether several nodes may share this database (PostgreSQL): then each writes
    /// heartbeats and watches the others' ([`liveness`]).
    pub(crate) fn is_shared(&self) -> bool {
        matches!(self, Store::Postgres(_))
    }

    /// Records that this node is alive at `now_ms`.
    pub(crate) async fn heartbeat(&self, now_ms: i64) -> Result<(), StoreError> {
        on_backend!(self, s => s.heartbeat(now_ms).await)
    }

    /// The other nodes whose last heartbeat is more than `timeout_ms` before `now_ms`.
    pub(crate) async fn lost_nodes(
        &self,
        now_ms: i64,
        timeout_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        on_backend!(self, s => s.lost_nodes(now_ms, timeout_ms).await)
    }

    /// Records the un-ended calls of a lost `node` as Failed (11) "node lost", queues
    /// their callbacks and forgets the node, in one transaction, unless the node has
    /// beaten again within `timeout_ms` or another survivor got there first (then 0).
    /// Returns how many calls were closed.
    pub(crate) async fn close_calls_of_node(
        &self,
        node: String,
        now_ms: i64,
        timeout_ms: i64,
    ) -> Result<usize, StoreError> {
        on_backend!(self, s => s.close_calls_of_node(node, now_ms, timeout_ms).await)
    }

    /// Frees the calls `node` holds in the trunks' shared budget ([`PgTrunkBudget`]): it
    /// restarted (`None`), or was declared lost (`Some(t)`: unless it has beaten since
    /// `t` ms, so a node that came back keeps them). Returns how many calls that freed;
    /// always 0 on SQLite, whose node keeps its budget in memory.
    pub(crate) async fn release_trunk_holds_of_node(
        &self,
        node: &str,
        unless_beaten_since_ms: Option<i64>,
    ) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(_) => Ok(0),
            Store::Postgres(s) => {
                trunk_budget::release_holds_of_node(s.pool(), node, unless_beaten_since_ms).await
            }
        }
    }

    /// One call of `tenant`, live or ended; another tenant's call is as absent as an
    /// unknown one.
    pub(crate) async fn get_call(
        &self,
        call_id: String,
        tenant: String,
    ) -> Result<Option<CallRecord>, StoreError> {
        on_backend!(self, s => s.get_call(call_id, tenant).await)
    }

    /// Ended calls matching `filter`, newest first.
    pub(crate) async fn query_cdrs(
        &self,
        filter: CdrFilter,
    ) -> Result<Vec<FinishedEvent>, StoreError> {
        on_backend!(self, s => s.query_cdrs(filter).await)
    }

    /// Deliveries due at `now_ms`, oldest first, leaving out the rows `skip` (in flight, or
    /// delivered but not yet recorded) and every row of the receivers `full` (at their
    /// concurrency limit), so that one busy receiver cannot fill the batch.
    ///
    /// On PostgreSQL the rows returned are claimed: leased to this node for `lease_ms`, in
    /// which no other node gets them; [`Store::record_attempt`] ends the lease, and a node
    /// that dies mid-delivery loses the row to the others when the lease expires. SQLite
    /// has one node and ignores `lease_ms`.
    pub(crate) async fn due_callbacks(
        &self,
        now_ms: i64,
        limit: u32,
        skip: OutboxSkip,
        lease_ms: i64,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        match self {
            Store::Sqlite(s) => s.due_callbacks(now_ms, limit, skip).await,
            Store::Postgres(s) => s.due_callbacks(now_ms, limit, skip, lease_ms).await,
        }
    }

    /// When the next pending delivery outside `skip` is due, if any (on PostgreSQL a row
    /// another node holds is due when its lease expires).
    pub(crate) async fn next_callback_due(
        &self,
        skip: OutboxSkip,
    ) -> Result<Option<i64>, StoreError> {
        on_backend!(self, s => s.next_callback_due(skip).await)
    }

    /// Records an attempt: delivered, or when to try again, or given up; ends its lease.
    pub(crate) async fn record_attempt(
        &self,
        id: i64,
        status: String,
        attempt: Attempt,
    ) -> Result<(), StoreError> {
        on_backend!(self, s => s.record_attempt(id, status, attempt).await)
    }

    /// Deletes finished outbox rows (delivered or given up) created before `before_ms`;
    /// the CDRs stay. Returns how many went.
    pub(crate) async fn prune_outbox(&self, before_ms: i64) -> Result<usize, StoreError> {
        on_backend!(self, s => s.prune_outbox(before_ms).await)
    }

    /// Makes what is written durable in the database's own files before the process
    /// exits (SQLite folds its WAL in); called on shutdown.
    pub(crate) async fn checkpoint(&self) -> Result<(), StoreError> {
        on_backend!(self, s => s.checkpoint().await)
    }
}
