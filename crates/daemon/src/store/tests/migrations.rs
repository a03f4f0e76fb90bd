//! SQLite databases of the old `schema_version` scheme are adopted by refinery, and a
//! database newer than the binary is refused.

use super::*;

/// A SQLite file as the code before refinery made it: the migrations in order, each
/// version counted in `schema_version`, with one call of that time.
fn legacy_sqlite_file(path: &std::path::Path, versions: usize) {
    const OLD: [&str; 6] = [
        include_str!("../../../migrations/sqlite/V1__first_schema.sql"),
        include_str!("../../../migrations/sqlite/V2__outbox_receiver.sql"),
        include_str!("../../../migrations/sqlite/V3__tenants.sql"),
        include_str!("../../../migrations/sqlite/V4__velocity_indexes.sql"),
        include_str!("../../../migrations/sqlite/V5__idempotency.sql"),
        include_str!("../../../migrations/sqlite/V6__collected_input.sql"),
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
            ((1..=8).collect(), false)
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
