//! A callback pending when the daemon is killed is delivered after a restart on the same
//! store: the receiver answers 500 to every attempt, the daemon is SIGKILLed (no shutdown
//! work at all) while the delivery is still failing, the receiver recovers, and a new
//! `voice-otp serve` on the same SQLite store delivers the very same signed body.

#[path = "support/e2e.rs"]
mod e2e;

use std::time::Duration;

use e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_callback_is_delivered_after_sigkill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = Sipp::start(dir.path(), "uas_answer_bye.xml", 1, &[]).await;
    let receiver = Receiver::start(&[500; 10_000]).await;
    let config = DaemonConfig::new(dir.path(), sipp.addr);
    let mut daemon = Daemon::start(config.clone()).await;

    let call_id = daemon.otp_call(&otp_body("48", &receiver.url())).await;
    // Two failed attempts: the delivery is in its retry loop.
    let failed = receiver.wait_for(2, Duration::from_secs(30)).await;
    assert!(failed.iter().all(|r| r.answered == 500));
    let first = failed[0].json();
    assert_eq!(first["call-id"], call_id.as_str(), "{first}");
    sipp.assert_ok(Duration::from_secs(10)).await;

    daemon.sigkill().await;
    let before_restart = receiver.all().len();
    receiver.set_statuses(&[]);
    // Nothing is delivered while no daemon runs.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.all().len(), before_restart);

    let mut config = config;
    config.http_port = free_tcp_port();
    let restarted = Daemon::start(config).await;
    let all = receiver
        .wait_for(before_restart + 1, Duration::from_secs(20))
        .await;
    let delivered = &all[before_restart];
    assert_eq!(delivered.answered, 200);
    assert_eq!(
        delivered.body, failed[0].body,
        "the same stored body is delivered after the restart"
    );
    assert_signed(delivered, SECRET);
    let event = delivered.json();
    assert_eq!(event["result"]["code"], 10, "{event}");

    // Delivered once: no further attempts once it got a 2xx.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.all().len(), before_restart + 1);
    let (status, text, cdr) = restarted.get(&format!("/v1/calls/{call_id}")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(cdr["result"]["code"], 10, "{cdr}");
}
