//! A store write that fails after a delivered POST must not make the daemon POST the same
//! event again and again (issue 12, item 5). A trigger in the real store refuses to mark
//! any delivery as delivered; the receiver answers 200 to the first POST, and no second
//! POST follows while the store keeps failing. Once the store works again the attempt is
//! recorded, still without a second POST.

use std::time::Duration;

use voice_otp_suite::e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivered_event_is_posted_once_while_the_store_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = RefusingStore::start(dir.path(), "outbox", "delivered_ms").await;
    let (daemon, receiver, db) = (&store.daemon, &store.receiver, &store.db);

    let call_id = daemon.otp_call(&otp_body("4829", &receiver.url())).await;
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(got[0].json()["call-id"], call_id.as_str());
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        receiver.all().len(),
        1,
        "the same event was POSTed again while its delivery could not be recorded"
    );
    assert!(
        daemon
            .logs()
            .contains("could not record a callback attempt"),
        "{}",
        daemon.logs()
    );

    store.stop_refusing();
    let mut delivered = None;
    for _ in 0..250 {
        delivered = db
            .query_row(
                "SELECT delivered_ms FROM outbox WHERE call_id = ?1",
                [&call_id],
                |r| r.get::<_, Option<i64>>(0),
            )
            .unwrap();
        if delivered.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert!(
        delivered.is_some(),
        "the attempt was recorded once the store worked"
    );
    assert_eq!(receiver.all().len(), 1);
    store.sipp.assert_ok(Duration::from_secs(10)).await;
}
