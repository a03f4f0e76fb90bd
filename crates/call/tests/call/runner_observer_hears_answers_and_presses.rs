//! The runner reports each counted key press (once, after merging sources) and the
//! figures of each closed stream to its `CallObserver`, for the daemon's metrics.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::fake_backend::{Act, FakeBackend, Script, otp_spec, progress_log};
use tokio::sync::watch;
use voice_otp_call::runner::{CallObserver, CallRunner, MediaFigures};
use voice_otp_dtmf::DtmfSource;

#[derive(Default)]
struct Seen {
    presses: Mutex<Vec<DtmfSource>>,
    figures: Mutex<Vec<MediaFigures>>,
}

impl CallObserver for Seen {
    fn key_pressed(&self, source: DtmfSource) {
        self.presses.lock().unwrap().push(source);
    }

    fn media_closed(&self, figures: MediaFigures) {
        self.figures.lock().unwrap().push(figures);
    }
}

#[tokio::test(start_paused = true)]
async fn presses_and_stream_figures_are_reported() {
    let script = Script::answer_after(Duration::from_secs(1))
        .with(Duration::from_millis(2_500), Act::Both('7'))
        .with(Duration::from_millis(4_000), Act::Info('1'));
    let (backend, _log) = FakeBackend::new(script);
    let seen = Arc::new(Seen::default());
    let runner = CallRunner::with_backend(backend, crate::fake_backend::no_gap())
        .with_observer(Arc::clone(&seen) as Arc<dyn CallObserver>);
    let (progress, _) = progress_log();
    let (_tx, shutdown) = watch::channel(false);
    let outcome = runner.run(otp_spec(), progress, shutdown).await;

    assert_eq!(outcome.dtmf, "71");
    // The 7 came both ways at once and counts once (whichever source the runner took
    // first); the 1 came by INFO only.
    let presses = seen.presses.lock().unwrap().clone();
    assert_eq!(presses.len(), 2, "{presses:?}");
    assert_eq!(presses[1], DtmfSource::SipInfo);
    assert_eq!(
        *seen.figures.lock().unwrap(),
        vec![MediaFigures {
            packets_sent: 7,
            packets_received: 5
        }]
    );
}

#[tokio::test(start_paused = true)]
async fn unanswered_calls_report_no_stream() {
    let mut script = Script::answer_after(Duration::from_secs(1));
    script.answer = crate::fake_backend::Answer::Never;
    let mut spec = otp_spec();
    spec.ring_timeout = Duration::from_secs(10);
    let (backend, _log) = FakeBackend::new(script);
    let seen = Arc::new(Seen::default());
    let runner = CallRunner::with_backend(backend, crate::fake_backend::no_gap())
        .with_observer(Arc::clone(&seen) as Arc<dyn CallObserver>);
    let (progress, _) = progress_log();
    let (_tx, shutdown) = watch::channel(false);
    runner.run(spec, progress, shutdown).await;
    assert!(seen.figures.lock().unwrap().is_empty());
    assert!(seen.presses.lock().unwrap().is_empty());
}
