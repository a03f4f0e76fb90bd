//! The playback id travels with the audio and back with its end: a stream that reports the
//! end of audio it had already replaced (as the RTP engine does when the end was queued
//! before the new `play` arrived) changes nothing, since that end carries the old id.

use std::time::Duration;

use crate::fake_backend::{Act, FakeBackend, Script, otp_spec, progress_log};
use tokio::sync::watch;
use voice_otp_call::runner::CallRunner;
use voice_otp_call::{CallOutcome, ResultCode};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs the call of `runner_reads_and_replays_on_press` (1 pressed mid-code) and returns
/// its outcome and every command the runner gave.
async fn press_one_mid_code(stale_finish: bool) -> (CallOutcome, Vec<(u64, String)>) {
    // Answer at 2 s: intro, code prompt, code from 5 s; 1 pressed at 6.5 s stops the code
    // and starts the replay.
    let mut script = Script::answer_after(ms(2_000)).with(ms(4_500), Act::Rfc4733('1'));
    script.stale_finish = stale_finish;
    let (backend, log) = FakeBackend::new(script);
    let runner = CallRunner::with_backend(backend);
    let (progress, _) = progress_log();
    let (_tx, shutdown) = watch::channel(false);
    let outcome = runner.run(otp_spec(), progress, shutdown).await;
    let entries = log.lock().unwrap().entries.clone();
    (outcome, entries)
}

#[tokio::test(start_paused = true)]
async fn a_late_end_of_the_interrupted_code_does_not_skip_the_replay() {
    // The stream reports the stopped code's end at once, after the replay started.
    let (stale, stale_log) = press_one_mid_code(true).await;
    let (clean, clean_log) = press_one_mid_code(false).await;

    assert_eq!(stale.result, ResultCode::Finished);
    assert_eq!(stale.replays, 1);
    assert_eq!(stale.code_read_count, 1);
    // Exactly the commands and outcome of a stream that never reports stale ends: the
    // replay's prompt and code play to their own ends.
    assert!(
        stale_log.contains(&(6_500, "stop".to_owned())),
        "{stale_log:?}"
    );
    assert!(
        stale_log.contains(&(7_500, "play code".to_owned())),
        "{stale_log:?}"
    );
    assert_eq!(stale_log, clean_log);
    // Wall-clock anchors differ between two runs; what the call did does not.
    let summary = |o: &CallOutcome| {
        (
            o.result,
            o.replays,
            o.code_read_count,
            o.dtmf.clone(),
            o.ended_on.duration_since(o.started_on).unwrap(),
        )
    };
    assert_eq!(summary(&stale), summary(&clean));
}
