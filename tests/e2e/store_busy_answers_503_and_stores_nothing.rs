//! A store that cannot give a connection in time (the database overloaded, or a long lock
//! holding every pooled connection) answers new instructions 503 with `Retry-After`, not
//! 500: nothing was stored or dialled, and the client may send the request again. A
//! `psql` session holds an exclusive lock on `calls` for 15 s; a burst of requests fills
//! the node's pool of 8 waiting on it, and the rest wait the pool's 5 s for a connection.
//! Those get 503, and none of their callees is ever stored; the others are accepted once
//! the lock goes.

use std::time::{Duration, Instant};

use serde_json::json;
use voice_otp_suite::e2e::*;
use voice_otp_testkit::postgres::Postgres;

const REQUESTS: usize = 14;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_store_answers_503_with_retry_after_and_stores_nothing() {
    let pg = Postgres::start();
    let url = pg.create_database("voice_otp_busy");
    let dir = tempfile::tempdir().unwrap();
    let _sipp = sipp_trunk(dir.path(), "uas_busy_486.xml", REQUESTS as u32).await;
    let mut config = DaemonConfig::new(dir.path(), _sipp.addr());
    config.store_url = Some(url);
    let daemon = Daemon::start(config).await;

    let mut lock = pg.spawn_psql(
        "voice_otp_busy",
        "BEGIN; LOCK TABLE calls IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(15); COMMIT;",
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while pg
        .query(
            "voice_otp_busy",
            "SELECT count(*) FROM pg_locks WHERE relation = 'calls'::regclass
             AND mode = 'AccessExclusiveLock' AND granted",
        )
        .trim()
        != "1"
    {
        assert!(Instant::now() < deadline, "the lock was never taken");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The requests that wait on the lock answer after it goes (15 s): longer than the
    // suite client's own timeout.
    let patient = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut burst = tokio::task::JoinSet::new();
    for i in 0..REQUESTS {
        let (client, url) = (patient.clone(), daemon.url("/voiceapi/v2/OTP"));
        let mut body = otp_body("4829", "");
        let callee = format!("+3161234{i:04}");
        body["callee"] = json!(callee);
        burst.spawn(async move {
            let answer = post_with_token(&client, &url, &body).await;
            (callee, answer.status, answer.retry_after, answer.text)
        });
    }
    let mut refused = Vec::new();
    let mut accepted = Vec::new();
    while let Some(got) = burst.join_next().await {
        let (callee, status, retry_after, text) = got.unwrap();
        match status {
            503 => {
                assert_eq!(retry_after.as_deref(), Some("1"), "{text}");
                assert!(text.contains("the store is busy"), "{text}");
                refused.push(callee);
            }
            200 => accepted.push(callee),
            other => panic!("{other}: {text}\n{}", daemon.logs()),
        }
    }
    assert!(lock.wait().unwrap().success());
    assert!(
        !refused.is_empty(),
        "no request waited out the pool: {accepted:?}\n{}",
        daemon.logs()
    );
    let stored = pg.query("voice_otp_busy", "SELECT callee FROM calls");
    for callee in &refused {
        assert!(
            !stored.contains(callee.as_str()),
            "{callee} refused but stored"
        );
    }
    for callee in &accepted {
        assert!(
            stored.contains(callee.as_str()),
            "{callee} accepted, not stored"
        );
    }
}
