//! Every ending is an outcome: a render error fails the call without dialling, a busy
//! far end is Rejected, an unanswered call is cancelled, a dead stream or a far-end BYE
//! end an answered call, and the daemon's shutdown hangs up or cancels promptly.

use std::time::Duration;

use crate::fake_backend::{Act, Answer, FakeBackend, Script, otp_spec, progress_log};
use tokio::sync::watch;
use voice_otp_call::runner::CallRunner;
use voice_otp_call::{CallOutcome, CallSpec, DialFailure, ResultCode};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn run_spec(script: Script, spec: CallSpec) -> (CallOutcome, Vec<(u64, String)>) {
    let (backend, log) = FakeBackend::new(script);
    let runner = CallRunner::with_backend(backend);
    let (progress, _) = progress_log();
    let (_tx, shutdown) = watch::channel(false);
    let outcome = runner.run(spec, progress, shutdown).await;
    let entries = log.lock().unwrap().entries.clone();
    (outcome, entries)
}

fn has(entries: &[(u64, String)], what: &str) -> bool {
    entries.iter().any(|(_, s)| s == what)
}

#[tokio::test(start_paused = true)]
async fn render_failure_does_not_dial() {
    let mut script = Script::answer_after(ms(1_000));
    script.fail_render = true;
    let (outcome, entries) = run_spec(script, otp_spec()).await;
    assert_eq!(outcome.result, ResultCode::Failed);
    assert!(entries.is_empty(), "nothing dialled: {entries:?}");
    assert_eq!(outcome.answered_on, None);
    assert_eq!(outcome.sip_code, None);
    assert_eq!(
        outcome.sip_reason.as_deref(),
        Some("audio could not be rendered")
    );
}

#[tokio::test(start_paused = true)]
async fn busy_is_rejected_and_nothing_plays() {
    let mut script = Script::answer_after(ms(1_000));
    script.answer = Answer::Fail(
        ms(1_500),
        DialFailure::Response {
            code: 486,
            reason: "Busy Here".to_owned(),
        },
    );
    let (outcome, entries) = run_spec(script, otp_spec()).await;
    assert_eq!(outcome.result, ResultCode::Rejected);
    assert_eq!(outcome.sip_code, Some(486));
    assert_eq!(outcome.sip_reason.as_deref(), Some("Busy Here"));
    assert!(!entries.iter().any(|(_, s)| s.starts_with("play")));
    assert_eq!(
        outcome.ended_on.duration_since(outcome.started_on).unwrap(),
        ms(1_500)
    );
}

#[tokio::test(start_paused = true)]
async fn unanswered_call_is_cancelled_at_the_ring_timeout() {
    let mut script = Script::answer_after(ms(1_000));
    script.answer = Answer::Never;
    let mut spec = otp_spec();
    spec.ring_timeout = Duration::from_secs(10);
    let (outcome, entries) = run_spec(script, spec).await;
    assert_eq!(outcome.result, ResultCode::Cancelled);
    assert_eq!(outcome.sip_code, Some(487));
    assert_eq!(
        entries,
        vec![(0, "invite".to_owned()), (10_000, "cancel".to_owned())]
    );
    assert_eq!(
        outcome.ended_on.duration_since(outcome.started_on).unwrap(),
        ms(10_010)
    );
}

#[tokio::test(start_paused = true)]
async fn dial_error_is_failed() {
    let mut script = Script::answer_after(ms(1_000));
    script.fail_dial = Some(DialFailure::Local);
    let (outcome, _) = run_spec(script, otp_spec()).await;
    assert_eq!(outcome.result, ResultCode::Failed);
}

#[tokio::test(start_paused = true)]
async fn far_end_bye_mid_code() {
    let script = Script::answer_after(ms(1_000)).with(ms(4_000), Act::Bye);
    let (outcome, entries) = run_spec(script, otp_spec()).await;
    assert_eq!(outcome.result, ResultCode::Finished);
    assert_eq!(outcome.code_read_count, 0);
    assert!(!has(&entries, "bye"));
    assert!(has(&entries, "close"), "{entries:?}");
}

#[tokio::test(start_paused = true)]
async fn stream_that_does_not_open_hangs_up() {
    let mut script = Script::answer_after(ms(1_000));
    script.fail_stream = true;
    let (outcome, entries) = run_spec(script, otp_spec()).await;
    assert_eq!(outcome.result, ResultCode::Finished);
    assert!(has(&entries, "bye"));
    assert!(!entries.iter().any(|(_, s)| s.starts_with("play")));
}

#[tokio::test(start_paused = true)]
async fn stream_failure_mid_call_hangs_up() {
    let script = Script::answer_after(ms(1_000)).with(ms(2_500), Act::MediaFails);
    let (outcome, entries) = run_spec(script, otp_spec()).await;
    assert_eq!(outcome.result, ResultCode::Finished);
    let bye_at = entries.iter().find(|(_, s)| s == "bye").map(|(t, _)| *t);
    assert_eq!(bye_at, Some(3_500));
}

async fn run_with_shutdown_at(script: Script, at: Duration) -> (CallOutcome, Vec<(u64, String)>) {
    let (backend, log) = FakeBackend::new(script);
    let runner = CallRunner::with_backend(backend);
    let (progress, _) = progress_log();
    let (tx, shutdown) = watch::channel(false);
    tokio::spawn(async move {
        tokio::time::sleep(at).await;
        let _ = tx.send(true);
        // Keep the sender alive past the call.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    });
    let outcome = runner.run(otp_spec(), progress, shutdown).await;
    let entries = log.lock().unwrap().entries.clone();
    (outcome, entries)
}

#[tokio::test(start_paused = true)]
async fn shutdown_while_answered_hangs_up_at_once() {
    let (outcome, entries) = run_with_shutdown_at(Script::answer_after(ms(1_000)), ms(5_000)).await;
    assert_eq!(outcome.result, ResultCode::Finished);
    let bye_at = entries.iter().find(|(_, s)| s == "bye").map(|(t, _)| *t);
    assert_eq!(bye_at, Some(5_000));
    assert!(!has(&entries, "play outro"));
    assert_eq!(
        outcome.ended_on.duration_since(outcome.started_on).unwrap(),
        ms(5_020)
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_while_ringing_cancels() {
    let mut script = Script::answer_after(ms(1_000));
    script.answer = Answer::Never;
    let (outcome, entries) = run_with_shutdown_at(script, ms(3_000)).await;
    assert_eq!(outcome.result, ResultCode::Cancelled);
    assert!(has(&entries, "cancel"));
}

#[tokio::test(start_paused = true)]
async fn shutdown_before_dialling_does_not_dial() {
    let (backend, log) = FakeBackend::new(Script::answer_after(ms(1_000)));
    let runner = CallRunner::with_backend(backend);
    let (progress, _) = progress_log();
    let (_tx, shutdown) = watch::channel(true);
    let outcome = runner.run(otp_spec(), progress, shutdown).await;
    assert_eq!(outcome.result, ResultCode::Cancelled);
    assert_eq!(outcome.sip_reason.as_deref(), Some("daemon shutting down"));
    assert!(log.lock().unwrap().entries.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_dropped_shutdown_sender_does_not_end_calls() {
    let (backend, _log) = FakeBackend::new(Script::answer_after(ms(1_000)));
    let runner = CallRunner::with_backend(backend);
    let (progress, _) = progress_log();
    let (tx, shutdown) = watch::channel(false);
    drop(tx);
    let outcome = runner.run(otp_spec(), progress, shutdown).await;
    assert_eq!(outcome.result, ResultCode::Finished);
    assert_eq!(outcome.code_read_count, 1);
}
