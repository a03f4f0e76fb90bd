//! Key presses reach the runner by SIP INFO and by RFC 4733; a trunk that sends the same
//! press both ways is heard once.

use std::time::Duration;

use crate::fake_backend::{Act, FakeBackend, Script, otp_spec, progress_log};
use tokio::sync::watch;
use voice_otp_call::ResultCode;
use voice_otp_call::runner::CallRunner;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn run(script: Script) -> voice_otp_call::CallOutcome {
    let (backend, _log) = FakeBackend::new(script);
    let runner = CallRunner::with_backend(backend);
    let (progress, _) = progress_log();
    let (_tx, shutdown) = watch::channel(false);
    runner.run(otp_spec(), progress, shutdown).await
}

#[tokio::test(start_paused = true)]
async fn sip_info_one_replays() {
    let outcome = run(Script::answer_after(ms(1_000)).with(ms(4_000), Act::Info('1'))).await;
    assert_eq!(outcome.result, ResultCode::Finished);
    assert_eq!(outcome.dtmf, "1");
    assert_eq!(outcome.replays, 1);
}

#[tokio::test(start_paused = true)]
async fn the_same_press_by_info_and_rfc4733_counts_once() {
    let mut spec_replays = otp_spec();
    spec_replays.max_replays = 3;
    let (backend, _log) =
        FakeBackend::new(Script::answer_after(ms(1_000)).with(ms(4_000), Act::Both('1')));
    let runner = CallRunner::with_backend(backend);
    let (progress, _) = progress_log();
    let (_tx, shutdown) = watch::channel(false);
    let outcome = runner.run(spec_replays, progress, shutdown).await;
    assert_eq!(outcome.dtmf, "1");
    assert_eq!(outcome.replays, 1);
}

#[tokio::test(start_paused = true)]
async fn separate_presses_by_different_sources_all_count() {
    let outcome = run(Script::answer_after(ms(1_000))
        .with(ms(4_000), Act::Rfc4733('5'))
        .with(ms(6_000), Act::Info('#')))
    .await;
    assert_eq!(outcome.dtmf, "5#");
    assert_eq!(outcome.replays, 0);
}
