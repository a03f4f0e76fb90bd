//! A callback pending when the daemon is killed is delivered after a restart on the same
//! store: the receiver answers 500 to every attempt, the daemon is SIGKILLed (no shutdown
//! work at all) while the delivery is still failing, the receiver recovers, and a new
//! `voice-otp serve` on the same SQLite store delivers the very same signed body. The same
//! holds when the receiver is down (connection refused) instead of answering 500.

use std::time::Duration;

use voice_otp_suite::e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_callback_is_delivered_after_sigkill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_answer_bye.xml", 1).await;
    let receiver = Receiver::start(&[500; 10_000]).await;
    let config = DaemonConfig::new(dir.path(), sipp.addr());
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

/// The receiver is down (nothing listens on its port) while the call ends; the daemon is
/// SIGKILLed with the delivery still failing; the receiver comes up on the same port and
/// the restarted daemon delivers the signed event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_to_a_down_receiver_is_delivered_after_sigkill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_answer_bye.xml", 1).await;
    let port = free_tcp_port();
    let url = format!("http://127.0.0.1:{port}/hooks/voice");
    let config = DaemonConfig::new(dir.path(), sipp.addr());
    let mut daemon = Daemon::start(config.clone()).await;

    let call_id = daemon.otp_call(&otp_body("48", &url)).await;
    sipp.assert_ok(Duration::from_secs(10)).await;
    // Wait until the daemon has recorded the call and tried (and failed) to deliver.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = daemon
            .client
            .get(daemon.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let failed = text
            .lines()
            .find(|l| l.starts_with("voice_otp_callback_deliveries_total{outcome=\"failed\"}"))
            .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .unwrap_or(0);
        if failed >= 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no failed delivery attempt:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    daemon.sigkill().await;

    let receiver = Receiver::start_on(([127, 0, 0, 1], port).into(), &[]).await;
    let mut config = config;
    config.http_port = free_tcp_port();
    let _restarted = Daemon::start(config).await;
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    let event = got[0].json();
    assert_eq!(event["call-id"], call_id.as_str(), "{event}");
    assert_eq!(event["result"]["code"], 10, "{event}");
    assert_signed(&got[0], SECRET);
}
