//! One slow receiver cannot hold up the callbacks of other receivers (issue 12, item 5): a
//! receiver that holds every request for 40 s gets at most 4 deliveries at once (the
//! per-receiver limit), and an event for another receiver that ends while those hang is
//! delivered at once, not after the slow batch (there is no batch barrier).

use std::time::{Duration, Instant};

use voice_otp_suite::e2e::*;

const SLOW_CALLS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_takes_four_slots_and_delays_no_one_else() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_busy_486.xml", SLOW_CALLS as u32 + 1).await;
    let slow = Receiver::start(&[]).await;
    slow.set_delay(Duration::from_secs(40));
    let fast = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    // Longer than the slow receiver holds a request: only the concurrency limit helps.
    config
        .env
        .push(("VOICE_OTP_CALLBACKS_TIMEOUT".to_owned(), "60s".to_owned()));
    let daemon = Daemon::start(config).await;

    for i in 0..SLOW_CALLS {
        let mut body = otp_body("4829", &format!("{}?n={i}", slow.url()));
        body["callee"] = format!("+3161234567{i}").into();
        daemon.otp_call(&body).await;
    }
    // The slow receiver holds its share of deliveries.
    slow.wait_for(4, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let t0 = Instant::now();
    let call_id = daemon.otp_call(&otp_body("4829", &fast.url())).await;
    let got = fast.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(got[0].json()["call-id"], call_id.as_str());
    assert!(
        t0.elapsed() < Duration::from_secs(15),
        "the fast receiver waited for the slow one"
    );
    assert_eq!(
        slow.all().len(),
        4,
        "more than 4 deliveries reached the slow receiver at once"
    );
    assert_eq!(slow.max_in_flight(), 4);
    sipp.assert_ok(Duration::from_secs(10)).await;
}
