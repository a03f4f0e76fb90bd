//! A receiver that answers a callback with a redirect cannot send the event elsewhere (a
//! redirect to an internal address would step past the address check): the daemon does not
//! follow it, records the attempt as failed and retries the original URL.

use std::time::Duration;

use voice_otp_suite::e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_302_is_a_failed_attempt_and_the_target_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_busy_486.xml", 1).await;
    let target = Receiver::start(&[]).await;
    let receiver = Receiver::start(&[302, 307]).await;
    receiver.set_redirect(&target.url());
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), sipp.addr())).await;

    let call_id = daemon.otp_call(&otp_body("4829", &receiver.url())).await;
    // 302, 307, then the scripted 200: three attempts, all at the original URL.
    let got = receiver.wait_for(3, Duration::from_secs(20)).await;
    assert_eq!(
        got.iter().map(|r| r.answered).collect::<Vec<_>>(),
        vec![302, 307, 200]
    );
    assert!(got.iter().all(|r| r.json()["call-id"] == call_id.as_str()));
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(target.all().is_empty(), "the redirect was followed");
    assert_eq!(receiver.all().len(), 3, "nothing after the 2xx");
    sipp.assert_ok(Duration::from_secs(10)).await;
}
