//! Finished callback deliveries (delivered or given up) older than a week are deleted from
//! the outbox; recent ones and pending ones stay, whatever their age.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::common::*;

#[tokio::test]
async fn old_finished_deliveries_are_pruned() {
    let env = Env::new();
    let d = TestDaemon::start(env.config(), ScriptedExecutor::finished()).await;
    d.daemon.shutdown().await.unwrap();

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let day = 24 * 3600 * 1000;
    let far = now + 365 * day;
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    for (call, created, delivered, gave_up, next) in [
        ("old-delivered", now - 8 * day, Some(now - 8 * day), 0, 0),
        ("old-given-up", now - 9 * day, None, 1, 0),
        ("recent-delivered", now - day, Some(now - day), 0, 0),
        ("old-pending", now - 8 * day, None, 0, far),
    ] {
        conn.execute(
            "INSERT INTO outbox (call_id, url, body, created_ms, next_attempt_ms, delivered_ms, gave_up)
             VALUES (?1, 'http://127.0.0.1:9/', '{}', ?2, ?3, ?4, ?5)",
            rusqlite::params![call, created, next, delivered, gave_up],
        )
        .unwrap();
    }
    drop(conn);

    let d = TestDaemon::start(env.config(), ScriptedExecutor::finished()).await;
    let remaining = || {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        let mut stmt = conn
            .prepare("SELECT call_id FROM outbox ORDER BY call_id")
            .unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while remaining().len() > 2 {
        assert!(std::time::Instant::now() < deadline, "{:?}", remaining());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(remaining(), ["old-pending", "recent-delivered"]);
    d.daemon.shutdown().await.unwrap();
}
