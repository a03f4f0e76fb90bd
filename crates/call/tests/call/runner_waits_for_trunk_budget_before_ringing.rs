//! A call waiting for trunk budget (`Backend::wait_ready`) stays queued: its ring time has
//! not started, so a wait longer than the ring timeout still rings in full and is
//! answered; the CDR starts when dialling did. The daemon's shutdown ends a waiting call
//! as cancelled, never dialled, and a call that cannot be placed (nothing to read) does not
//! wait for, or take, any budget. In virtual time.

use std::time::Duration;

use crate::fake_backend::{FakeBackend, Script, otp_spec, progress_log};
use tokio::sync::watch;
use voice_otp_call::ResultCode;
use voice_otp_call::runner::CallRunner;

#[tokio::test(start_paused = true)]
async fn a_wait_longer_than_the_ring_timeout_still_rings_in_full() {
    let mut script = Script::answer_after(Duration::from_secs(50));
    script.ready_after = Duration::from_secs(120);
    let mut spec = otp_spec();
    spec.ring_timeout = Duration::from_secs(60);
    let (backend, log) = FakeBackend::new(script);
    let runner = CallRunner::with_backend(backend);
    let (progress, _) = progress_log();
    let (_tx, shutdown) = watch::channel(false);
    let outcome = runner.run(spec, progress, shutdown).await;

    assert_eq!(outcome.result, ResultCode::Finished, "{outcome:?}");
    let entries = log.lock().unwrap().entries.clone();
    assert_eq!(entries[0], (0, "waiting".to_owned()));
    assert_eq!(entries[1], (120_000, "invite".to_owned()));
    // Answered 50 s into its ring time, which began with the INVITE, not with the wait.
    let answered = outcome.answered_on.expect("answered");
    assert_eq!(
        answered.duration_since(outcome.started_on).unwrap(),
        Duration::from_secs(50)
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_ends_a_waiting_call_undialled() {
    let mut script = Script::answer_after(Duration::from_secs(1));
    script.ready_after = Duration::from_secs(3600);
    let (backend, log) = FakeBackend::new(script);
    let runner = CallRunner::with_backend(backend);
    let (progress, _) = progress_log();
    let (tx, shutdown) = watch::channel(false);
    let call = tokio::spawn(async move { runner.run(otp_spec(), progress, shutdown).await });
    tokio::time::sleep(Duration::from_secs(5)).await;
    tx.send(true).unwrap();
    let outcome = call.await.unwrap();

    assert_eq!(outcome.result, ResultCode::Cancelled, "{outcome:?}");
    assert_eq!(outcome.answered_on, None);
    let entries = log.lock().unwrap().entries.clone();
    assert_eq!(entries, vec![(0, "waiting".to_owned())], "never dialled");
}

#[tokio::test(start_paused = true)]
async fn a_call_that_cannot_be_placed_takes_no_budget() {
    let mut script = Script::answer_after(Duration::from_secs(1));
    script.ready_after = Duration::from_secs(3600);
    let mut spec = otp_spec();
    spec.code = None;
    spec.code_prompt = None;
    let (backend, log) = FakeBackend::new(script);
    let runner = CallRunner::with_backend(backend);
    let (progress, _) = progress_log();
    let (_tx, shutdown) = watch::channel(false);
    let outcome = runner.run(spec, progress, shutdown).await;

    assert_eq!(outcome.result, ResultCode::Failed, "{outcome:?}");
    assert!(log.lock().unwrap().entries.is_empty(), "no wait, no INVITE");
}
