//! A call's outcome that the store refuses for a while is written once the store works
//! again: the CDR and the signed callback are not lost to a transient store error (a
//! database restarting, a lock held too long). A trigger in the real store refuses every
//! outcome; the call ends meanwhile; once the trigger is dropped the CDR and the callback
//! arrive. Without the retry the call stays open with no CDR and no callback.

use std::time::Duration;

use voice_otp_suite::e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outcome_is_stored_once_the_store_works_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = RefusingStore::start(dir.path(), "calls", "result_code").await;
    let (daemon, receiver, db) = (&store.daemon, &store.receiver, &store.db);

    let call_id = daemon.otp_call(&otp_body("4829", &receiver.url())).await;
    // The call ends (486) and its outcome is refused, more than once.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while daemon
        .logs()
        .matches("could not store the call outcome")
        .count()
        < 2
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the outcome was never refused: {}",
            daemon.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(receiver.all().is_empty(), "a callback without a stored CDR");

    store.stop_refusing();
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(got[0].json()["call-id"], call_id.as_str());
    assert_signed(&got[0], "e2e-callback-secret");
    let result: Option<i64> = db
        .query_row(
            "SELECT result_code FROM calls WHERE call_id = ?1",
            [&call_id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(result.is_some(), "the CDR was stored");
    store.sipp.assert_ok(Duration::from_secs(10)).await;
}
