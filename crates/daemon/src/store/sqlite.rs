//! The SQLite backend: one file, one daemon. All SQLite work runs on tokio's blocking pool,
//! on one connection behind a lock, so transactions never interleave.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};

use crate::config::VelocityLimits;
use crate::error::StoreError;
use crate::event::{CallIdentity, FinishedEvent, StoredOutcome, kind_name};

use super::rows::{CALL_COLUMNS, OUTBOX_COLUMNS, StoredRow, call_from_row, outbox_from_row};
use super::rules;
use super::{
    Attempt, CallRecord, CdrFilter, Inserted, LimitHit, NewInstruction, OutboxItem, OutboxSkip,
};

/// The schema's versioned migrations (`migrations/sqlite/V<n>__<what>.sql`), run by refinery,
/// which records them in `refinery_schema_history`.
mod embedded {
    refinery::embed_migrations!("migrations/sqlite");
}

/// The versions the schema had when voice-otp counted them itself in `schema_version`
/// (before refinery): they are `V1` to `V6` of `migrations/sqlite`, unchanged.
const LEGACY_VERSIONS: i64 = 6;

/// Handle to the SQLite database; cheap to clone.
#[derive(Clone)]
pub(crate) struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// This daemon's node id, written with each call it accepts.
    node: Arc<str>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub(crate) fn open(path: &Path, node: &str) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // In WAL mode NORMAL keeps every committed transaction across a crash of the
        // process (the WAL is in the OS page cache); only a power cut can lose the last
        // commits. FULL would fsync on every commit, on the request path.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            node: node.into(),
        })
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn with<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves SQLite consistent (transactions roll
            // back on drop), so a poisoned lock is still usable.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|_| StoreError::Task)?
    }

    /// `SELECT 1`, for readiness.
    pub(crate) async fn ping(&self) -> bool {
        self.with(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .await
            .is_ok()
    }

    /// See [`super::Store::insert_instruction`]: one connection, so no other request
    /// counts in between.
    pub(crate) async fn insert_instruction(
        &self,
        ins: NewInstruction,
        limits: VelocityLimits,
    ) -> Result<Inserted, StoreError> {
        let node = Arc::clone(&self.node);
        self.with(move |c| insert_instruction(c, ins, limits, &node))
            .await
    }
}

/// The first limit the instruction would break, counted from the stored calls.
fn check_velocity(
    tx: &Connection,
    ins: &NewInstruction,
    limits: VelocityLimits,
) -> Result<Option<LimitHit>, StoreError> {
    let now = ins.created_ms;
    let open: i64 = tx.query_row(
        "SELECT COUNT(*) FROM calls WHERE tenant = ?1 AND result_code IS NULL",
        [&ins.tenant],
        |r| r.get(0),
    )?;
    let last_second: i64 = tx.query_row(
        "SELECT COUNT(*) FROM calls WHERE tenant = ?1 AND created_ms > ?2",
        params![ins.tenant, now - 1000],
        |r| r.get(0),
    )?;
    if let Some(hit) = rules::tenant_hit(limits, open, last_second, ins.calls.len() as i64) {
        return Ok(Some(hit));
    }
    let mut stmt = tx.prepare_cached(
        "SELECT COUNT(*), MIN(created_ms) FROM calls WHERE callee = ?1 AND created_ms > ?2",
    )?;
    for window in rules::callee_windows(limits) {
        for (_, callee) in &ins.calls {
            let (count, oldest): (i64, Option<i64>) = stmt
                .query_row(params![callee, now - window.1], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            if let Some(hit) = rules::callee_window_hit(window, count, oldest, now) {
                return Ok(Some(hit));
            }
        }
    }
    Ok(None)
}

fn insert_instruction(
    c: &mut Connection,
    ins: NewInstruction,
    limits: VelocityLimits,
    node: &str,
) -> Result<Inserted, StoreError> {
    let tx = c.transaction()?;
    if let Some(id) = &ins.instruction_id {
        let first: Option<String> = tx
            .query_row(
                "SELECT response FROM idempotency
                 WHERE tenant = ?1 AND instruction_id = ?2 AND created_ms > ?3",
                params![ins.tenant, id, ins.created_ms - rules::IDEMPOTENCY_MS],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(first) = first {
            return Ok(Inserted::Repeat(first));
        }
    }
    if let Some(hit) = check_velocity(&tx, &ins, limits)? {
        // Dropping the transaction writes nothing.
        return Ok(Inserted::Limited(hit));
    }
    if let Some(id) = &ins.instruction_id {
        // Expired answers go as new ones come, so the table holds at most a day of them.
        tx.execute(
            "DELETE FROM idempotency WHERE created_ms <= ?1",
            [ins.created_ms - rules::IDEMPOTENCY_MS],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO idempotency (tenant, instruction_id, created_ms, response)
             VALUES (?1, ?2, ?3, ?4)",
            params![ins.tenant, id, ins.created_ms, ins.response],
        )?;
    }
    tx.execute(
        "INSERT INTO instructions (instruction_id, kind, caller, anonymous, callback_url,
                    voicemail_response, created_ms, tenant) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            ins.instruction_id,
            kind_name(ins.kind),
            ins.caller,
            ins.anonymous,
            ins.callback_url,
            ins.voicemail_response,
            ins.created_ms,
            ins.tenant
        ],
    )?;
    let row = tx.last_insert_rowid();
    {
        let mut stmt = tx.prepare(
            "INSERT INTO calls (call_id, instruction_row, instruction_id, kind, caller,
                        callee, callback_url, created_ms, tenant, node)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for (call_id, callee) in &ins.calls {
            stmt.execute(params![
                call_id,
                row,
                ins.instruction_id,
                kind_name(ins.kind),
                ins.caller,
                callee,
                ins.callback_url,
                ins.created_ms,
                ins.tenant,
                node
            ])?;
        }
    }
    tx.commit()?;
    Ok(Inserted::New)
}

impl SqliteStore {
    /// See [`super::Store::finish_call`]: one connection, so no other writer comes between
    /// the check for an outcome and its write.
    pub(crate) async fn finish_call(
        &self,
        call_id: String,
        outcome: StoredOutcome,
        now_ms: i64,
    ) -> Result<Option<(FinishedEvent, bool)>, StoreError> {
        self.with(move |c| {
            let tx = c.transaction()?;
            let Some((record, url)) = load_call(&tx, &call_id)? else {
                return Ok(None);
            };
            if record.outcome.is_some() {
                return Ok(None);
            }
            let event = write_outcome(&tx, &record.identity, url.as_deref(), &outcome, now_ms)?;
            tx.commit()?;
            Ok(Some((event, url.is_some())))
        })
        .await
    }

    /// See [`super::Store::close_orphans`]: one daemon per file, so every open call is this daemon's.
    pub(crate) async fn close_orphans(&self, now_ms: i64) -> Result<usize, StoreError> {
        // One file serves one daemon: every open call is its own, whatever node id it
        // had when it accepted them.
        self.with(move |c| {
            let tx = c.transaction()?;
            let closed = close_open_calls(&tx, None, now_ms, rules::RESTARTED)?;
            tx.commit()?;
            Ok(closed)
        })
        .await
    }

    /// See [`super::Store::heartbeat`].
    pub(crate) async fn heartbeat(&self, now_ms: i64) -> Result<(), StoreError> {
        let node = Arc::clone(&self.node);
        self.with(move |c| {
            c.execute(
                "INSERT INTO nodes (node, heartbeat_ms) VALUES (?1, ?2)
                 ON CONFLICT (node) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms",
                params![&*node, now_ms],
            )?;
            Ok(())
        })
        .await
    }

    /// See [`super::Store::lost_nodes`].
    pub(crate) async fn lost_nodes(
        &self,
        now_ms: i64,
        timeout_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        let node = Arc::clone(&self.node);
        self.with(move |c| {
            let mut stmt = c.prepare(
                "SELECT node FROM nodes WHERE heartbeat_ms < ?1 AND node <> ?2 ORDER BY node",
            )?;
            let rows = stmt.query_map(params![now_ms - timeout_ms, &*node], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    /// See [`super::Store::close_calls_of_node`].
    pub(crate) async fn close_calls_of_node(
        &self,
        node: String,
        now_ms: i64,
        timeout_ms: i64,
    ) -> Result<usize, StoreError> {
        self.with(move |c| {
            let tx = c.transaction()?;
            let heartbeat: Option<i64> = tx
                .query_row(
                    "SELECT heartbeat_ms FROM nodes WHERE node = ?1",
                    [&node],
                    |r| r.get(0),
                )
                .optional()?;
            // Gone from the table (another survivor closed it) or beating again: not lost.
            if heartbeat.is_none_or(|h| h >= now_ms - timeout_ms) {
                return Ok(0);
            }
            let closed = close_open_calls(&tx, Some(&node), now_ms, rules::NODE_LOST)?;
            tx.execute("DELETE FROM nodes WHERE node = ?1", [&node])?;
            tx.commit()?;
            Ok(closed)
        })
        .await
    }

    /// See [`super::Store::get_call`].
    pub(crate) async fn get_call(
        &self,
        call_id: String,
        tenant: String,
    ) -> Result<Option<CallRecord>, StoreError> {
        self.with(move |c| {
            Ok(c.query_row(
                &format!("SELECT {CALL_COLUMNS} FROM calls WHERE call_id = ?1 AND tenant = ?2"),
                [&call_id, &tenant],
                row_to_call,
            )
            .optional()?
            .transpose()?
            .map(|(r, _)| r))
        })
        .await
    }

    /// See [`super::Store::query_cdrs`].
    pub(crate) async fn query_cdrs(
        &self,
        filter: CdrFilter,
    ) -> Result<Vec<FinishedEvent>, StoreError> {
        self.with(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {CALL_COLUMNS} FROM calls WHERE result_code IS NOT NULL
                   AND (?1 IS NULL OR started_ms >= ?1)
                   AND (?2 IS NULL OR started_ms < ?2)
                   AND (?3 IS NULL OR instruction_id = ?3)
                   AND tenant = ?5
                 ORDER BY started_ms DESC, rowid DESC LIMIT ?4"
            ))?;
            let rows = stmt.query_map(
                params![
                    filter.since_ms,
                    filter.until_ms,
                    filter.instruction_id,
                    filter.limit,
                    filter.tenant
                ],
                row_to_call,
            )?;
            let mut out = Vec::new();
            for row in rows {
                let (record, _) = row??;
                if let Some(o) = &record.outcome {
                    out.push(FinishedEvent::from_parts(&record.identity, o));
                }
            }
            Ok(out)
        })
        .await
    }

    /// See [`super::Store::due_callbacks`].
    pub(crate) async fn due_callbacks(
        &self,
        now_ms: i64,
        limit: u32,
        skip: OutboxSkip,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        self.with(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox
                     WHERE delivered_ms IS NULL AND gave_up = 0 AND next_attempt_ms <= ?1
                       AND id NOT IN (SELECT value FROM json_each(?3))
                       AND receiver NOT IN (SELECT value FROM json_each(?4))
                     ORDER BY next_attempt_ms, id LIMIT ?2"
            ))?;
            let (ids, receivers) = skip.to_json();
            let rows = stmt.query_map(params![now_ms, limit, ids, receivers], |r| {
                Ok(outbox_from_row(r))
            })?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    /// See [`super::Store::next_callback_due`].
    pub(crate) async fn next_callback_due(
        &self,
        skip: OutboxSkip,
    ) -> Result<Option<i64>, StoreError> {
        self.with(move |c| {
            let (ids, receivers) = skip.to_json();
            Ok(c.query_row(
                "SELECT MIN(next_attempt_ms) FROM outbox WHERE delivered_ms IS NULL AND gave_up = 0
                   AND id NOT IN (SELECT value FROM json_each(?1))
                   AND receiver NOT IN (SELECT value FROM json_each(?2))",
                params![ids, receivers],
                |r| r.get::<_, Option<i64>>(0),
            )?)
        })
        .await
    }

    /// See [`super::Store::record_attempt`].
    pub(crate) async fn record_attempt(
        &self,
        id: i64,
        status: String,
        attempt: Attempt,
    ) -> Result<(), StoreError> {
        self.with(move |c| {
            match attempt {
                Attempt::Delivered { at_ms } => c.execute(
                    "UPDATE outbox SET attempts = attempts + 1, delivered_ms = ?2, last_status = ?3
                     WHERE id = ?1",
                    params![id, at_ms, status],
                )?,
                Attempt::Retry { next_ms } => c.execute(
                    "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?2,
                     last_status = ?3 WHERE id = ?1",
                    params![id, next_ms, status],
                )?,
                Attempt::GaveUp => c.execute(
                    "UPDATE outbox SET attempts = attempts + 1, gave_up = 1, last_status = ?2
                     WHERE id = ?1",
                    params![id, status],
                )?,
            };
            Ok(())
        })
        .await
    }

    /// See [`super::Store::prune_outbox`].
    pub(crate) async fn prune_outbox(&self, before_ms: i64) -> Result<usize, StoreError> {
        self.with(move |c| {
            Ok(c.execute(
                "DELETE FROM outbox WHERE (delivered_ms IS NOT NULL OR gave_up = 1)
                 AND created_ms < ?1",
                [before_ms],
            )?)
        })
        .await
    }

    /// Folds the WAL into the main file; called on shutdown.
    pub(crate) async fn checkpoint(&self) -> Result<(), StoreError> {
        self.with(|c| {
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }
}

/// Brings the schema up to date. A database written before refinery (versions counted in
/// `schema_version`) first gets those versions recorded as applied, so refinery carries on
/// from there instead of running them again.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let runner = embedded::migrations::runner().set_abort_missing(true);
    adopt_legacy_versions(conn, runner.get_migrations())?;
    runner.run(conn)?;
    Ok(())
}

/// Whether the database has a table of that name.
fn has_table(c: &Connection, name: &str) -> rusqlite::Result<bool> {
    c.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// Records the versions of the old `schema_version` scheme as refinery migrations, once,
/// and drops the old table in the same transaction.
fn adopt_legacy_versions(
    conn: &mut Connection,
    migrations: &[refinery::Migration],
) -> Result<(), StoreError> {
    if !has_table(conn, "schema_version")? || has_table(conn, "refinery_schema_history")? {
        return Ok(());
    }
    let current: i64 = conn
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| {
            r.get::<_, Option<i64>>(0)
        })?
        .unwrap_or(0);
    if current > LEGACY_VERSIONS {
        return Err(StoreError::TooNew {
            found: current,
            supported: LEGACY_VERSIONS,
        });
    }
    let applied_on = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let tx = conn.transaction()?;
    // refinery's own table, as it would create it.
    tx.execute_batch(
        "CREATE TABLE refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255),
            applied_on VARCHAR(255), checksum VARCHAR(255));",
    )?;
    for m in migrations
        .iter()
        .filter(|m| i64::from(m.version()) <= current)
    {
        tx.execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES (?1, ?2, ?3, ?4)",
            params![m.version(), m.name(), applied_on, m.checksum().to_string()],
        )?;
    }
    tx.execute_batch("DROP TABLE schema_version;")?;
    tx.commit()?;
    Ok(())
}

impl StoredRow for rusqlite::Row<'_> {
    fn text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.get(i)?)
    }

    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.get(i)?)
    }
}

/// [`call_from_row`] inside a rusqlite row callback: the row's own errors out, a bad
/// value in.
fn row_to_call(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<Result<(CallRecord, Option<String>), StoreError>> {
    Ok(call_from_row(r))
}

/// Records the open calls (of `node`, or all) as failed for `reason`, with their
/// callbacks. Returns how many.
fn close_open_calls(
    tx: &Connection,
    node: Option<&str>,
    now_ms: i64,
    reason: &str,
) -> Result<usize, StoreError> {
    let ids: Vec<String> = {
        let mut stmt = tx.prepare(
            "SELECT call_id FROM calls WHERE result_code IS NULL AND (?1 IS NULL OR node = ?1)",
        )?;
        stmt.query_map([node], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    for id in &ids {
        if let Some((record, url)) = load_call(tx, id)? {
            let outcome = rules::orphan_outcome(record.created_ms, now_ms, reason);
            write_outcome(tx, &record.identity, url.as_deref(), &outcome, now_ms)?;
        }
    }
    Ok(ids.len())
}

fn load_call(
    c: &Connection,
    call_id: &str,
) -> Result<Option<(CallRecord, Option<String>)>, StoreError> {
    c.query_row(
        &format!("SELECT {CALL_COLUMNS} FROM calls WHERE call_id = ?1"),
        [call_id],
        row_to_call,
    )
    .optional()?
    .transpose()
}

fn write_outcome(
    tx: &Connection,
    identity: &CallIdentity,
    url: Option<&str>,
    o: &StoredOutcome,
    now_ms: i64,
) -> Result<FinishedEvent, StoreError> {
    tx.execute(
        "UPDATE calls SET result_code = ?2, started_ms = ?3, answered_ms = ?4, ended_ms = ?5,
            code_read_count = ?6, replays = ?7, dtmf = ?8, sip_code = ?9, sip_reason = ?10,
            input_digits = ?11, input_status = ?12, input_attempts = ?13, keypress_check = ?14
         WHERE call_id = ?1",
        params![
            identity.call_id,
            o.result_code,
            o.started_ms,
            o.answered_ms,
            o.ended_ms,
            o.code_read_count,
            o.replays,
            o.dtmf,
            o.sip_code,
            o.sip_reason,
            o.input.as_ref().map(|i| i.digits.as_str()),
            o.input.as_ref().map(|i| i.status.as_str()),
            o.input.as_ref().map(|i| i.attempts),
            o.keypress_check.as_str()
        ],
    )?;
    let event = FinishedEvent::from_parts(identity, o);
    if let Some(url) = url {
        let body = rules::event_body(&event);
        tx.execute(
            "INSERT INTO outbox (call_id, url, receiver, body, created_ms, next_attempt_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![identity.call_id, url, rules::receiver_of(url), body, now_ms],
        )?;
    }
    Ok(event)
}
