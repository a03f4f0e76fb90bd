//! A UAS that never gets its call hits SIPp's global timeout, which counts as a failure
//! (`-timeout_error`): `finish` returns a non-zero exit code and `assert_ok` panics; a
//! `finish` that gives up before SIPp exits panics too.
use std::time::Duration;

use voice_otp_testkit::sipp::{Sipp, fixture};

/// A UAS nobody calls, so only SIPp's `timeout` ends it.
async fn uncalled_uas(timeout: Duration) -> Sipp {
    Sipp::uas(fixture("uas_answer_bye.xml"))
        .timeout(timeout)
        .start()
        .await
}

#[tokio::test]
async fn finish_returns_the_non_zero_exit_code() {
    let mut sipp = uncalled_uas(Duration::from_millis(1500)).await;
    let code = sipp.finish(Duration::from_secs(10)).await;
    assert_ne!(code, 0, "SIPp reached its timeout without a call");
}

#[tokio::test]
async fn assert_ok_panics_on_failure() {
    let mut sipp = uncalled_uas(Duration::from_secs(1)).await;
    let outcome = tokio::spawn(async move { sipp.assert_ok(Duration::from_secs(10)).await }).await;
    assert!(outcome.unwrap_err().is_panic());
}

#[tokio::test]
async fn finish_panics_when_sipp_outlives_the_wait() {
    let mut sipp = uncalled_uas(Duration::from_secs(30)).await;
    let outcome = tokio::spawn(async move { sipp.finish(Duration::from_millis(200)).await }).await;
    assert!(outcome.unwrap_err().is_panic());
}
