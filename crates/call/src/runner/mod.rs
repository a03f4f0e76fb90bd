//! The tokio runner: drives one [`CallFlow`] per call over a [`Backend`] (the SIP
//! endpoint, the RTP engine and the renderer) and implements [`CallExecutor`].
//!
//! Per call: render every segment (a render error ends the call as Failed without
//! dialling), send the INVITE, then loop: drain the flow's actions into commands, and
//! wait for whichever comes first of a SIP event, a media event, the flow's deadline
//! and the daemon's shutdown signal. Each call runs in a `call` tracing span carrying
//! its call id; the code is never logged.
//!
//! # Wiring the real stack
//!
//! ```no_run
//! use std::net::{IpAddr, Ipv4Addr};
//! use std::sync::Arc;
//! use voice_otp_call::CallExecutor;
//! use voice_otp_call::runner::{CallRunner, StackConfig};
//! use voice_otp_media::{AudioRoot, EspeakNg, RenderConfig, Renderer};
//! use voice_otp_rtp::{EngineConfig, MediaEngine, PortRange};
//! use voice_otp_sip::{EndpointConfig, SipEndpoint};
//!
//! # async fn wire() -> Result<Arc<dyn CallExecutor>, Box<dyn std::error::Error>> {
//! let rtp_ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
//! let sip = SipEndpoint::start(EndpointConfig::udp(
//!     "127.0.0.1:5060".parse()?,
//!     "127.0.0.1:5070",
//! ))
//! .await?;
//! let mut media = EngineConfig::new(PortRange::new(20_000, 30_000)?);
//! media.bind_ip = rtp_ip;
//! let media = MediaEngine::start(media)?;
//! let renderer = Renderer::new(
//!     AudioRoot::new(Some("./data/audio".into()), "./audio".into()),
//!     Arc::new(EspeakNg::new()),
//!     RenderConfig::default(),
//! );
//! let runner = CallRunner::new(
//!     Arc::new(sip),
//!     Arc::new(media),
//!     renderer,
//!     StackConfig::g711(rtp_ip),
//! );
//! Ok(Arc::new(runner))
//! # }
//! ```

mod backend;
mod stack;
mod trunk_dialog;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;
use tracing::{Instrument, debug, info, warn};
use voice_otp_dtmf::{DtmfMerger, DtmfSource, parse_sip_info};

pub use backend::{Backend, Dialog, MediaEvent, MediaStream, Rendered, SignalEvent};
pub use stack::{RtpStream, Stack, StackConfig};
pub use trunk_dialog::SipDialog;

use crate::flow::{Action, CallFlow, DialFailure, FlowConfig, FlowEnd};
use crate::spec::{CallExecutor, CallOutcome, CallSpec, LiveState, ProgressFn, ResultCode};

/// Hears what every call did, for the daemon's metrics: the one route by which a call
/// pushes figures (packet counts are pulled from the media engine instead). Called from
/// the call's task; must not block. Every method has a default that does nothing.
pub trait CallObserver: Send + Sync + 'static {
    /// The call was answered `after` the flow started dialling (INVITE to 2xx).
    fn answered(&self, after: Duration) {
        let _ = after;
    }

    /// A key press counted (after merging the sources).
    fn key_pressed(&self, source: DtmfSource) {
        let _ = source;
    }
}

/// The observer used when none is given.
struct NoObserver;

impl CallObserver for NoObserver {}

/// Places calls through a [`Backend`]; cheap to clone.
pub struct CallRunner<B> {
    backend: Arc<B>,
    observer: Arc<dyn CallObserver>,
}

impl<B> Clone for CallRunner<B> {
    fn clone(&self) -> Self {
        CallRunner {
            backend: Arc::clone(&self.backend),
            observer: Arc::clone(&self.observer),
        }
    }
}

impl CallRunner<Stack> {
    /// A runner placing real calls: SIP through `sip`, RTP through `media`, audio from
    /// `renderer`, offered as `stack` says.
    pub fn new(
        sip: Arc<voice_otp_sip::SipEndpoint>,
        media: Arc<voice_otp_rtp::MediaEngine>,
        renderer: voice_otp_media::Renderer,
        stack: StackConfig,
    ) -> Self {
        CallRunner::with_backend(Stack::new(sip, media, renderer, stack))
    }
}

impl<B: Backend> CallRunner<B> {
    /// A runner over `backend`.
    pub fn with_backend(backend: B) -> Self {
        CallRunner {
            backend: Arc::new(backend),
            observer: Arc::new(NoObserver),
        }
    }

    /// Reports key presses to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn CallObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// Runs one call to its end (what [`CallExecutor::execute`] returns, unboxed).
    pub async fn run(
        &self,
        spec: CallSpec,
        progress: ProgressFn,
        shutdown: watch::Receiver<bool>,
    ) -> CallOutcome {
        // The daemon already runs each call in a `call{call_id}` span; a second one would
        // print the id twice on every line. Standalone use gets its own.
        let span = if tracing::Span::current().is_none() {
            tracing::info_span!("call", call_id = %spec.call_id)
        } else {
            tracing::Span::current()
        };
        run_call(self.clone(), spec, progress, shutdown)
            .instrument(span)
            .await
    }
}

impl<B: Backend> CallExecutor for CallRunner<B> {
    fn execute(
        &self,
        spec: CallSpec,
        progress: ProgressFn,
        shutdown: watch::Receiver<bool>,
    ) -> Pin<Box<dyn Future<Output = CallOutcome> + Send + 'static>> {
        let runner = self.clone();
        Box::pin(async move { runner.run(spec, progress, shutdown).await })
    }
}

/// Maps the flow's monotonic instants to wall-clock times for the CDR.
#[derive(Debug, Clone, Copy)]
struct Clock {
    instant: Instant,
    wall: SystemTime,
}

impl Clock {
    fn now() -> Self {
        Clock {
            instant: now(),
            wall: SystemTime::now(),
        }
    }

    fn wall(&self, at: Instant) -> SystemTime {
        // Instants before the anchor cannot happen (the flow starts after it); saturate.
        self.wall + at.saturating_duration_since(self.instant)
    }

    /// The outcome of a call that never reached the wire, started at the anchor.
    fn not_dialled(&self, result: ResultCode, why: &str) -> CallOutcome {
        CallOutcome::not_dialled(result, self.wall, self.wall(now()), why)
    }

    /// The flow's end in wall-clock time.
    fn outcome(&self, end: FlowEnd) -> CallOutcome {
        end.map_times(|at| self.wall(at))
    }
}

/// The current instant on tokio's clock, so tests with a paused clock run in virtual time.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Waits for the next event of an optional stream; pending forever without one.
async fn next_media<S: MediaStream>(stream: &mut Option<S>) -> Option<MediaEvent> {
    match stream {
        Some(s) => s.next_event().await,
        None => std::future::pending().await,
    }
}

/// Waits for the next event of an optional dialog; pending forever without one.
async fn next_signal<D: Dialog>(dialog: &mut Option<D>) -> Option<SignalEvent<D::Media>> {
    match dialog {
        Some(d) => d.next_event().await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// Waits for [`Backend::wait_ready`]; `false` if the daemon began shutting down first.
async fn wait_ready<B: Backend>(
    backend: &B,
    spec: &CallSpec,
    mut shutdown: watch::Receiver<bool>,
) -> bool {
    tokio::select! {
        biased;
        () = backend.wait_ready(spec) => true,
        // A dropped sender means no shutdown will come: keep waiting for budget.
        Ok(_) = shutdown.wait_for(|stop| *stop) => false,
    }
}

/// Renders, checks for shutdown and dials: the call up to its first SIP event, or its
/// outcome when it never reaches the wire.
async fn run_call<B: Backend>(
    runner: CallRunner<B>,
    spec: CallSpec,
    progress: ProgressFn,
    shutdown: watch::Receiver<bool>,
) -> CallOutcome {
    let clock = Clock::now();
    let rendered = match runner.backend.render(&spec).await {
        Ok(rendered) => rendered,
        Err(error) => {
            warn!(%error, "rendering failed; not dialling");
            return clock.not_dialled(ResultCode::Failed, "audio could not be rendered");
        }
    };
    // Built before the wait for trunk budget, so that a call which cannot be placed takes
    // none; built again once the call may dial, so that its ring time starts then (the
    // same configuration cannot fail twice).
    let config = FlowConfig::from(&spec);
    let flow = match CallFlow::new(config.clone(), now()) {
        Ok(flow) => flow,
        Err(error) => {
            warn!(%error, "call not placed");
            return clock.not_dialled(ResultCode::Failed, "nothing to read");
        }
    };
    if *shutdown.borrow() || !wait_ready(&*runner.backend, &spec, shutdown.clone()).await {
        info!("shutting down; not dialling");
        return clock.not_dialled(ResultCode::Cancelled, "daemon shutting down");
    }
    let dialled = now();
    let mut flow = CallFlow::new(config, dialled).unwrap_or(flow);
    debug!(callee = %spec.callee, "dialling");
    let dialog = match runner.backend.dial(&spec).await {
        Ok(dialog) => Some(dialog),
        Err(failure) => {
            warn!(?failure, "INVITE not sent");
            flow.handle_dial_failed(now(), failure);
            None
        }
    };
    let call = Call {
        backend: runner.backend,
        observer: runner.observer,
        rendered,
        flow,
        dialog,
        stream: None,
        dtmf: DtmfMerger::new(),
        dtmf_epoch: now(),
        dialled,
        progress,
        shutdown,
        watch_shutdown: true,
    };
    let end = call.run().await;
    clock.outcome(end)
}

/// One dialled call: its flow and what the flow drives.
struct Call<B: Backend> {
    backend: Arc<B>,
    observer: Arc<dyn CallObserver>,
    rendered: Rendered<B::Audio>,
    flow: CallFlow,
    dialog: Option<B::Dialog>,
    stream: Option<B::Stream>,
    /// Every key press of the call, from every source, merged once.
    dtmf: DtmfMerger,
    /// The zero of the merger's timeline: the stream's (see [`MediaStream::epoch`]).
    dtmf_epoch: Instant,
    /// When the flow started dialling, for the answer latency.
    dialled: Instant,
    progress: ProgressFn,
    shutdown: watch::Receiver<bool>,
    watch_shutdown: bool,
}

impl<B: Backend> Call<B> {
    /// Loops until the flow has finished: drains its actions into commands, then waits
    /// for whichever comes first of a SIP event, a media event, the flow's deadline and
    /// the daemon's shutdown signal.
    async fn run(mut self) -> FlowEnd {
        loop {
            while let Some(action) = self.flow.poll_action() {
                if let Some(end) = self.apply(action).await {
                    return end;
                }
            }
            let deadline = self.flow.poll_timeout();
            // Biased: signalling first, so a BYE that arrives with a media event decides
            // how the call ends, and runs are reproducible.
            tokio::select! {
                biased;
                event = next_signal(&mut self.dialog) => self.on_signal(event).await,
                event = next_media(&mut self.stream) => self.on_media(event).await,
                () = sleep_until(deadline) => self.flow.handle_timeout(now()),
                changed = self.shutdown.changed(), if self.watch_shutdown => {
                    self.on_shutdown_changed(changed.is_ok());
                }
            }
            while let Some(press) = self.dtmf.poll_event() {
                debug!(source = ?press.source, "key press");
                self.observer.key_pressed(press.source);
                self.flow.handle_dtmf(now(), press.digit);
            }
        }
    }

    /// Carries out one action of the flow; the flow's end once it has finished.
    async fn apply(&mut self, action: Action) -> Option<FlowEnd> {
        match action {
            Action::Progress(state) => {
                debug!(state = state.as_str(), "progress");
                if state == LiveState::Answered {
                    self.observer
                        .answered(now().saturating_duration_since(self.dialled));
                }
                (self.progress)(state);
            }
            Action::Play(play) => match (self.stream.as_mut(), self.rendered.get(play.segment)) {
                (Some(s), Some(audio)) => {
                    debug!(segment = ?play.segment, "play");
                    s.play(play.id, audio);
                }
                // No stream (it failed to open) or no audio: nothing can play, so the
                // segment is over at once and the flow moves on.
                _ => self.flow.handle_playback_finished(now(), play.id),
            },
            Action::StopPlayback => {
                if let Some(s) = self.stream.as_mut() {
                    s.stop_playback();
                }
            }
            Action::Cancel => {
                info!("cancelling");
                if let Some(d) = self.dialog.as_mut() {
                    d.cancel();
                }
            }
            Action::Hangup => {
                debug!("hanging up");
                if let Some(d) = self.dialog.as_mut() {
                    d.hangup();
                }
            }
            Action::Finished(end) => {
                if let Some(s) = self.stream.take() {
                    s.close().await;
                }
                info!(
                    result = end.result.code(),
                    cause = ?end.cause,
                    sip_code = end.sip_code,
                    code_read_count = end.code_read_count,
                    replays = end.replays,
                    "call ended"
                );
                return Some(end);
            }
        }
        None
    }

    /// Feeds one signalling event to the flow (`None`: the SIP endpoint is gone).
    async fn on_signal(&mut self, event: Option<SignalEvent<<B::Dialog as Dialog>::Media>>) {
        let at = now();
        match event {
            Some(SignalEvent::Provisional(code)) => self.flow.handle_provisional(at, code),
            Some(SignalEvent::Answered(media)) => self.on_answer(at, media).await,
            Some(SignalEvent::MediaUpdated(media)) => {
                if let Some(s) = self.stream.as_mut() {
                    s.update_remote(media);
                }
            }
            Some(SignalEvent::Failed(failure)) => self.flow.handle_dial_failed(at, failure),
            Some(SignalEvent::RemoteHangup) => self.flow.handle_remote_hangup(at),
            Some(SignalEvent::HangupDone) => self.flow.handle_hangup_done(at),
            Some(SignalEvent::Cancelled(code)) => self.flow.handle_cancelled(at, code),
            Some(SignalEvent::Info { content_type, body }) => {
                match parse_sip_info(&content_type, &body) {
                    // INFO carries no timeline of its own: it ends now on the stream's,
                    // where the merger can match it with the same press sent in the
                    // stream.
                    Ok(info) => self
                        .dtmf
                        .handle_event(info.ended_at(at.saturating_duration_since(self.dtmf_epoch))),
                    Err(error) => debug!(%error, "INFO without a key press"),
                }
            }
            None => {
                // The SIP endpoint is gone (its driver died): nothing more will come for
                // this call, whose end is unknown.
                self.dialog = None;
                self.flow
                    .handle_dial_failed(at, DialFailure::SignallingLost);
            }
        }
    }

    /// The 2xx: opens the stream (first answer only) and tells the flow.
    async fn on_answer(&mut self, at: Instant, media: <B::Dialog as Dialog>::Media) {
        if !matches!(
            self.flow.live_state(),
            LiveState::Dialling | LiveState::Ringing
        ) {
            self.flow.handle_answered(at);
            return;
        }
        let Some(d) = self.dialog.as_mut() else {
            return;
        };
        match self.backend.open_stream(d, media).await {
            Ok(s) => {
                self.dtmf_epoch = s.epoch();
                self.stream = Some(s);
                self.flow.handle_answered(at);
            }
            Err(error) => {
                warn!(%error, "media stream did not open");
                self.dtmf_epoch = at;
                self.flow.handle_answered(at);
                self.flow.handle_media_error(at);
            }
        }
    }

    /// Feeds one media event to the flow or the merger (`None`: the stream is gone).
    async fn on_media(&mut self, event: Option<MediaEvent>) {
        let at = now();
        match event {
            // A late end of replaced audio carries the old id; the flow ignores it.
            Some(MediaEvent::PlaybackFinished(id)) => self.flow.handle_playback_finished(at, id),
            Some(MediaEvent::Dtmf(press)) => self.dtmf.handle_event(press),
            Some(MediaEvent::Failed) | None => {
                warn!("media stream failed");
                if let Some(s) = self.stream.take() {
                    s.close().await;
                }
                self.flow.handle_media_error(at);
            }
        }
    }

    /// The daemon's shutdown flag changed (`false`: its sender is gone).
    fn on_shutdown_changed(&mut self, alive: bool) {
        if !alive {
            // The daemon dropped its sender: no shutdown will be signalled.
            self.watch_shutdown = false;
        } else if *self.shutdown.borrow_and_update() {
            info!("shutdown: ending the call");
            self.watch_shutdown = false;
            self.flow.handle_shutdown(now());
        }
    }
}
