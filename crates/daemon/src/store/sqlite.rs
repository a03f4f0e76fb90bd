//! The SQLite backend: one file, one node. All SQLite work runs on tokio's blocking pool,
//! on one connection behind a lock, so transactions never interleave.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use voice_otp_call::{InputStatus, KeypressCheck};

use crate::config::VelocityLimits;
use crate::error::StoreError;
use crate::event::{
    CallIdentity, FinishedEvent, StoredInput, StoredOutcome, kind_from_name, kind_name,
};

use super::{
    Attempt, CallRecord, CdrFilter, IDEMPOTENCY_MS, Inserted, LimitHit, NewInstruction, OutboxItem,
    OutboxSkip, receiver_of,
};

/// Schema migrations, applied in order; the index + 1 is the version they bring.
const MIGRATIONS: &[&str] = &[
    // 1: first schema.
    "CREATE TABLE instructions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        instruction_id TEXT,
        kind TEXT NOT NULL,
        caller TEXT NOT NULL,
        anonymous INTEGER NOT NULL,
        callback_url TEXT,
        voicemail_response TEXT,
        created_ms INTEGER NOT NULL
    );
    CREATE TABLE calls (
        call_id TEXT PRIMARY KEY,
        instruction_row INTEGER NOT NULL REFERENCES instructions(id),
        instruction_id TEXT,
        kind TEXT NOT NULL,
        caller TEXT NOT NULL,
        callee TEXT NOT NULL,
        callback_url TEXT,
        created_ms INTEGER NOT NULL,
        result_code INTEGER,
        started_ms INTEGER,
        answered_ms INTEGER,
        ended_ms INTEGER,
        code_read_count INTEGER,
        replays INTEGER,
        dtmf TEXT,
        sip_code INTEGER,
        sip_reason TEXT
    );
    CREATE INDEX calls_started ON calls(started_ms);
    CREATE INDEX calls_instruction ON calls(instruction_id);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        call_id TEXT NOT NULL,
        url TEXT NOT NULL,
        body TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        delivered_ms INTEGER,
        gave_up INTEGER NOT NULL DEFAULT 0,
        last_status TEXT
    );
    CREATE INDEX outbox_due ON outbox(next_attempt_ms) WHERE delivered_ms IS NULL AND gave_up = 0;",
    // 2: the receiver (the URL's authority) of each delivery, so the worker can skip a
    // receiver that already has its share of deliveries in flight. Rows of version 1 get
    // it from their URL (stored normalised, so a `/` always ends the authority).
    "ALTER TABLE outbox ADD COLUMN receiver TEXT NOT NULL DEFAULT '';
    UPDATE outbox SET receiver = substr(url, instr(url, '://') + 3,
        instr(substr(url, instr(url, '://') + 3) || '/', '/') - 1);",
    // 3: the tenant of each instruction and call; rows from before tenants belonged to
    // the only client there was, the `default` tenant of `[http] tokens`.
    "ALTER TABLE instructions ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
    ALTER TABLE calls ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
    CREATE INDEX calls_tenant_started ON calls(tenant, started_ms);",
    // 4: what the velocity limits count: calls per callee and per tenant by age, and the
    // tenant's calls not yet ended.
    "CREATE INDEX calls_callee_created ON calls(callee, created_ms);
    CREATE INDEX calls_tenant_created ON calls(tenant, created_ms);
    CREATE INDEX calls_tenant_open ON calls(tenant) WHERE result_code IS NULL;",
    // 5: the first answer to each instruction-id of a tenant, kept 24 h, so a repeated
    // request gets it again instead of new calls.
    "CREATE TABLE idempotency (
        tenant TEXT NOT NULL,
        instruction_id TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        response TEXT NOT NULL,
        PRIMARY KEY (tenant, instruction_id)
    );
    CREATE INDEX idempotency_created ON idempotency(created_ms);",
    // 6: what a Request DTMF call collected (NULL for other calls and unanswered ones), and
    // how an OTP call's `require-keypress` check went (NULL before it existed: not required).
    "ALTER TABLE calls ADD COLUMN input_digits TEXT;
    ALTER TABLE calls ADD COLUMN input_status TEXT;
    ALTER TABLE calls ADD COLUMN input_attempts INTEGER;
    ALTER TABLE calls ADD COLUMN keypress_check TEXT;",
];

/// Handle to the SQLite database; cheap to clone.
#[derive(Clone)]
pub(crate) struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub(crate) fn open(path: &Path) -> Result<SqliteStore, StoreError> {
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
        self.with(move |c| insert_instruction(c, ins, limits)).await
    }
}

/// The first limit the instruction would break, counted from the stored calls.
fn check_velocity(
    tx: &Connection,
    ins: &NewInstruction,
    limits: VelocityLimits,
) -> Result<Option<LimitHit>, StoreError> {
    let now = ins.created_ms;
    let n = ins.calls.len() as i64;
    let hit = |limit, retry_after| Ok(Some(LimitHit { limit, retry_after }));
    let open: i64 = tx.query_row(
        "SELECT COUNT(*) FROM calls WHERE tenant = ?1 AND result_code IS NULL",
        [&ins.tenant],
        |r| r.get(0),
    )?;
    if open + n > i64::from(limits.max_queued_calls) {
        return hit("max-queued-calls", 5);
    }
    let last_second: i64 = tx.query_row(
        "SELECT COUNT(*) FROM calls WHERE tenant = ?1 AND created_ms > ?2",
        params![ins.tenant, now - 1000],
        |r| r.get(0),
    )?;
    if last_second >= i64::from(limits.calls_per_second) {
        return hit("calls-per-second", 1);
    }
    let windows = [
        ("callee-calls-per-10m", 600_000_i64, limits.callee_per_10m),
        (
            "callee-calls-per-24h",
            86_400_000_i64,
            limits.callee_per_24h,
        ),
    ];
    let mut stmt = tx.prepare_cached(
        "SELECT COUNT(*), MIN(created_ms) FROM calls WHERE callee = ?1 AND created_ms > ?2",
    )?;
    for (limit, window_ms, max) in windows {
        for (_, callee) in &ins.calls {
            let (count, oldest): (i64, Option<i64>) = stmt
                .query_row(params![callee, now - window_ms], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            if count >= i64::from(max) {
                // The oldest call in the window leaves it then.
                let wait_ms = oldest.unwrap_or(now) + window_ms - now;
                return hit(limit, u64::try_from(wait_ms / 1000 + 1).unwrap_or(1));
            }
        }
    }
    Ok(None)
}

fn insert_instruction(
    c: &mut Connection,
    ins: NewInstruction,
    limits: VelocityLimits,
) -> Result<Inserted, StoreError> {
    let tx = c.transaction()?;
    if let Some(id) = &ins.instruction_id {
        let first: Option<String> = tx
            .query_row(
                "SELECT response FROM idempotency
                 WHERE tenant = ?1 AND instruction_id = ?2 AND created_ms > ?3",
                params![ins.tenant, id, ins.created_ms - IDEMPOTENCY_MS],
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
            [ins.created_ms - IDEMPOTENCY_MS],
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
                        callee, callback_url, created_ms, tenant)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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
                ins.tenant
            ])?;
        }
    }
    tx.commit()?;
    Ok(Inserted::New)
}

impl SqliteStore {
    /// Stores a call's outcome and, if it has a callback URL, enqueues the finished event,
    /// in one transaction. Returns the event. A call that already has an outcome keeps it.
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

    /// Calls that were accepted but never got an outcome (the daemon died): they are ended
    /// as Failed now, with their callbacks enqueued. The code is gone with the process, so
    /// they cannot be dialled again. Returns how many were closed.
    pub(crate) async fn close_orphans(&self, now_ms: i64) -> Result<usize, StoreError> {
        self.with(move |c| {
            let tx = c.transaction()?;
            let ids: Vec<String> = {
                let mut stmt = tx.prepare("SELECT call_id FROM calls WHERE result_code IS NULL")?;
                stmt.query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            };
            for id in &ids {
                if let Some((record, url)) = load_call(&tx, id)? {
                    let outcome = StoredOutcome {
                        result_code: voice_otp_call::ResultCode::Failed.code(),
                        started_ms: record.created_ms,
                        answered_ms: None,
                        ended_ms: now_ms,
                        code_read_count: 0,
                        replays: 0,
                        dtmf: String::new(),
                        input: None,
                        keypress_check: KeypressCheck::NotRequired,
                        sip_code: None,
                        sip_reason: Some("daemon restarted before the call ended".to_owned()),
                    };
                    write_outcome(&tx, &record.identity, url.as_deref(), &outcome, now_ms)?;
                }
            }
            tx.commit()?;
            Ok(ids.len())
        })
        .await
    }

    /// One call of `tenant`, live or ended; another tenant's call is as absent as an
    /// unknown one.
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
            .map(|(r, _)| r))
        })
        .await
    }

    /// Ended calls matching `filter`, newest first.
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
                let (record, _) = row?;
                if let Some(o) = &record.outcome {
                    out.push(FinishedEvent::from_parts(&record.identity, o));
                }
            }
            Ok(out)
        })
        .await
    }

    /// Deliveries due at `now_ms`, oldest first, leaving out the rows `skip` (in flight, or
    /// delivered but not yet recorded) and every row of the receivers `full` (at their
    /// concurrency limit), so that one busy receiver cannot fill the batch.
    pub(crate) async fn due_callbacks(
        &self,
        now_ms: i64,
        limit: u32,
        skip: OutboxSkip,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        self.with(move |c| {
            let mut stmt = c.prepare(
                "SELECT id, call_id, url, receiver, body, created_ms, attempts FROM outbox
                 WHERE delivered_ms IS NULL AND gave_up = 0 AND next_attempt_ms <= ?1
                   AND id NOT IN (SELECT value FROM json_each(?3))
                   AND receiver NOT IN (SELECT value FROM json_each(?4))
                 ORDER BY next_attempt_ms, id LIMIT ?2",
            )?;
            let (ids, receivers) = skip.to_json();
            let rows = stmt.query_map(params![now_ms, limit, ids, receivers], |r| {
                Ok(OutboxItem {
                    id: r.get(0)?,
                    call_id: r.get(1)?,
                    url: r.get(2)?,
                    receiver: r.get(3)?,
                    body: r.get(4)?,
                    created_ms: r.get(5)?,
                    attempts: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    /// When the next pending delivery outside `skip` is due, if any.
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

    /// Records an attempt: delivered, or when to try again, or given up.
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

    /// Deletes finished outbox rows (delivered or given up) created before `before_ms`;
    /// the CDRs stay. Returns how many went.
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

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
        [],
    )?;
    let current: i64 = conn
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| {
            r.get::<_, Option<i64>>(0)
        })?
        .unwrap_or(0);
    let supported = MIGRATIONS.len() as i64;
    if current > supported {
        return Err(StoreError::TooNew {
            found: current,
            supported,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [i as i64 + 1],
        )?;
        tx.commit()?;
    }
    Ok(())
}

const CALL_COLUMNS: &str =
    "call_id, instruction_id, kind, caller, callee, callback_url, created_ms,
    result_code, started_ms, answered_ms, ended_ms, code_read_count, replays, dtmf, sip_code,
    sip_reason, input_digits, input_status, input_attempts, keypress_check";

fn row_to_call(r: &rusqlite::Row<'_>) -> rusqlite::Result<(CallRecord, Option<String>)> {
    let kind: String = r.get(2)?;
    let identity = CallIdentity {
        call_id: r.get(0)?,
        instruction_id: r.get(1)?,
        kind: kind_from_name(&kind),
        caller: r.get(3)?,
        callee: r.get(4)?,
    };
    let url: Option<String> = r.get(5)?;
    let result_code: Option<u8> = r.get(7)?;
    let outcome = match result_code {
        Some(result_code) => Some(StoredOutcome {
            result_code,
            started_ms: r.get(8)?,
            answered_ms: r.get(9)?,
            ended_ms: r.get(10)?,
            code_read_count: r.get(11)?,
            replays: r.get(12)?,
            dtmf: r.get(13)?,
            sip_code: r.get(14)?,
            sip_reason: r.get(15)?,
            input: row_input(r)?,
            keypress_check: r
                .get::<_, Option<String>>(19)?
                .as_deref()
                .and_then(KeypressCheck::parse)
                .unwrap_or(KeypressCheck::NotRequired),
        }),
        None => None,
    };
    Ok((
        CallRecord {
            identity,
            created_ms: r.get(6)?,
            outcome,
        },
        url,
    ))
}

/// The collected input of a row, if it has one.
fn row_input(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<StoredInput>> {
    let digits: Option<String> = r.get(16)?;
    let status: Option<String> = r.get(17)?;
    let attempts: Option<u8> = r.get(18)?;
    Ok(
        match (digits, status.as_deref().and_then(InputStatus::parse)) {
            (Some(digits), Some(status)) => Some(StoredInput {
                digits,
                status,
                attempts: attempts.unwrap_or(0),
            }),
            _ => None,
        },
    )
}

fn load_call(
    c: &Connection,
    call_id: &str,
) -> Result<Option<(CallRecord, Option<String>)>, StoreError> {
    Ok(c.query_row(
        &format!("SELECT {CALL_COLUMNS} FROM calls WHERE call_id = ?1"),
        [call_id],
        row_to_call,
    )
    .optional()?)
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
        // Serialising plain fields cannot fail; an empty body would only be a missed event.
        let body = serde_json::to_string(&event).unwrap_or_default();
        tx.execute(
            "INSERT INTO outbox (call_id, url, receiver, body, created_ms, next_attempt_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![identity.call_id, url, receiver_of(url), body, now_ms],
        )?;
    }
    Ok(event)
}
