//! The runner reports the answer latency (when the answer comes) and each counted key press
//! (once, after merging sources) to its `CallObserver`, for the daemon's metrics. (Packet
//! figures are not reported per call: the daemon reads them from the media engine.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::fake_backend::{Act, FakeBackend, Script, otp_spec, progress_log};
use tokio::sync::watch;
use voice_otp_call::runner::{CallObserver, CallRunner};
use voice_otp_call::{CallOutcome, CallSpec};
use voice_otp_dtmf::DtmfSource;

#[derive(Default)]
struct Seen {
    presses: Mutex<Vec<DtmfSource>>,
    /// Each reported latency, with the virtual time since the test began it came at.
    answers: Mutex<Vec<(Duration, Duration)>>,
    start: Mutex<Option<tokio::time::Instant>>,
}

impl CallObserver for Seen {
    fn answered(&self, after: Duration) {
        let start = self.start.lock().unwrap().expect("started");
        self.answers.lock().unwrap().push((after, start.elapsed()));
    }

    fn key_pressed(&self, source: DtmfSource) {
        self.presses.lock().unwrap().push(source);
    }
}

/// Runs `spec` against `script` with a `Seen` observer.
async fn observed(script: Script, spec: CallSpec) -> (CallOutcome, Arc<Seen>) {
    let (backend, _log) = FakeBackend::new(script);
    let seen = Arc::new(Seen::default());
    *seen.start.lock().unwrap() = Some(tokio::time::Instant::now());
    let runner =
        CallRunner::with_backend(backend).with_observer(Arc::clone(&seen) as Arc<dyn CallObserver>);
    let (progress, _) = progress_log();
    let (_tx, shutdown) = watch::channel(false);
    let outcome = runner.run(spec, progress, shutdown).await;
    (outcome, seen)
}

#[tokio::test(start_paused = true)]
async fn the_answer_and_each_press_are_reported_once() {
    let script = Script::answer_after(Duration::from_secs(1))
        .with(Duration::from_millis(2_500), Act::Both('7'))
        .with(Duration::from_millis(4_000), Act::Info('1'));
    let (outcome, seen) = observed(script, otp_spec()).await;

    // INVITE to 2xx, reported when the answer came, not when the call ended.
    assert_eq!(
        *seen.answers.lock().unwrap(),
        vec![(Duration::from_secs(1), Duration::from_secs(1))]
    );
    assert!(outcome.ended_on.duration_since(outcome.started_on).unwrap() > Duration::from_secs(5));

    assert_eq!(outcome.dtmf, "71");
    // The 7 came both ways at once and counts once (whichever source the runner took
    // first); the 1 came by INFO only.
    let presses = seen.presses.lock().unwrap().clone();
    assert_eq!(presses.len(), 2, "{presses:?}");
    assert_eq!(presses[1], DtmfSource::SipInfo);
}

#[tokio::test(start_paused = true)]
async fn unanswered_calls_report_no_answer_and_no_press() {
    let mut script = Script::answer_after(Duration::from_secs(1));
    script.answer = crate::fake_backend::Answer::Never;
    let mut spec = otp_spec();
    spec.ring_timeout = Duration::from_secs(10);
    let (_, seen) = observed(script, spec).await;
    assert!(seen.presses.lock().unwrap().is_empty());
    assert!(seen.answers.lock().unwrap().is_empty());
}
