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
//! use voice_otp_call::runner::{CallRunner, RunnerConfig, StackConfig};
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
//! let render = RenderConfig::default();
//! let prompt_gap = render.prompt_gap;
//! let renderer = Renderer::new(
//!     AudioRoot::new(Some("./data/audio".into()), "./audio".into()),
//!     Arc::new(EspeakNg::new()),
//!     render,
//! );
//! let runner = CallRunner::new(
//!     Arc::new(sip),
//!     Arc::new(media),
//!     renderer,
//!     StackConfig::g711(rtp_ip),
//!     RunnerConfig {
//!         prompt_gap,
//!         ..RunnerConfig::default()
//!     },
//! );
//! Ok(Arc::new(runner))
//! # }
//! ```

mod backend;
mod stack;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;
use tracing::{Instrument, debug, info, warn};
use voice_otp_dtmf::{DtmfMerger, DtmfSource, parse_sip_info};

pub use backend::{Backend, Dialog, MediaEvent, MediaFigures, MediaStream, Rendered, SignalEvent};
pub use stack::{RtpStream, SipDialog, Stack, StackConfig};

use crate::flow::{
    Action, CallFlow, DEFAULT_ENDING_TIMEOUT, DEFAULT_MAX_DURATION, DialFailure, FlowConfig,
    FlowEnd, PlayId,
};
use crate::spec::{CallExecutor, CallOutcome, CallSpec, LiveState, ProgressFn, ResultCode};

/// The renderer's default pause between a prompt and what follows it.
pub const DEFAULT_PROMPT_GAP: Duration = Duration::from_millis(400);

/// Call-wide settings of the runner (the per-call ones come with each [`CallSpec`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunnerConfig {
    /// Hang up an answered call after this long.
    pub max_duration: Duration,
    /// Stop waiting for a CANCEL or BYE to complete after this long.
    pub ending_timeout: Duration,
    /// Silence between segments that follow each other on their own; set it to the
    /// renderer's `prompt_gap` so calls sound like `voice-otp say`.
    pub prompt_gap: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            max_duration: DEFAULT_MAX_DURATION,
            ending_timeout: DEFAULT_ENDING_TIMEOUT,
            prompt_gap: DEFAULT_PROMPT_GAP,
        }
    }
}

/// Hears what every call did, for the daemon's metrics. Called from the call's task;
/// must not block. Every method has a default that does nothing.
pub trait CallObserver: Send + Sync + 'static {
    /// A key press counted (after merging the sources).
    fn key_pressed(&self, source: DtmfSource) {
        let _ = source;
    }

    /// A call's media stream closed with these figures.
    fn media_closed(&self, figures: MediaFigures) {
        let _ = figures;
    }
}

/// The observer used when none is given.
struct NoObserver;

impl CallObserver for NoObserver {}

/// Places calls through a [`Backend`]; cheap to clone.
pub struct CallRunner<B> {
    backend: Arc<B>,
    config: RunnerConfig,
    observer: Arc<dyn CallObserver>,
}

impl<B> Clone for CallRunner<B> {
    fn clone(&self) -> Self {
        CallRunner {
            backend: Arc::clone(&self.backend),
            config: self.config,
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
        config: RunnerConfig,
    ) -> Self {
        CallRunner::with_backend(Stack::new(sip, media, renderer, stack), config)
    }
}

impl<B: Backend> CallRunner<B> {
    /// A runner over `backend`.
    pub fn with_backend(backend: B, config: RunnerConfig) -> Self {
        CallRunner {
            backend: Arc::new(backend),
            config,
            observer: Arc::new(NoObserver),
        }
    }

    /// Reports key presses and stream figures to `observer`.
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
        run_call(
            Arc::clone(&self.backend),
            self.config,
            Arc::clone(&self.observer),
            spec,
            progress,
            shutdown,
        )
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
}

/// The current instant on tokio's clock, so tests with a paused clock run in virtual time.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// An outcome for a call that never reached the wire; `why` goes where a SIP reason
/// would, as the daemon does for calls it never hands to the runner.
fn not_dialled(clock: Clock, result: ResultCode, why: &str) -> CallOutcome {
    CallOutcome {
        result,
        started_on: clock.wall,
        answered_on: None,
        ended_on: clock.wall(now()),
        code_read_count: 0,
        replays: 0,
        dtmf: String::new(),
        sip_code: None,
        sip_reason: Some(why.to_owned()),
    }
}

fn outcome(clock: Clock, end: FlowEnd) -> CallOutcome {
    CallOutcome {
        result: end.result,
        started_on: clock.wall(end.started),
        answered_on: end.answered.map(|a| clock.wall(a)),
        ended_on: clock.wall(end.ended),
        code_read_count: end.code_read_count,
        replays: end.replays,
        dtmf: end.dtmf,
        sip_code: end.sip_code,
        sip_reason: end.sip_reason,
    }
}

/// Waits for the next event of an optional stream; pending forever without one.
async fn next_media<S: MediaStream>(stream: &mut Option<S>) -> Option<MediaEvent> {
    match stream {
        Some(s) => s.next_event().await,
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

async fn run_call<B: Backend>(
    backend: Arc<B>,
    config: RunnerConfig,
    observer: Arc<dyn CallObserver>,
    spec: CallSpec,
    progress: ProgressFn,
    mut shutdown: watch::Receiver<bool>,
) -> CallOutcome {
    let clock = Clock::now();
    let mut flow_config = FlowConfig::from_spec(&spec);
    flow_config.max_duration = config.max_duration;
    flow_config.ending_timeout = config.ending_timeout;
    flow_config.prompt_gap = config.prompt_gap;

    let rendered = match backend.render(&spec).await {
        Ok(rendered) => rendered,
        Err(error) => {
            warn!(%error, "rendering failed; not dialling");
            return not_dialled(clock, ResultCode::Failed, "audio could not be rendered");
        }
    };
    if *shutdown.borrow() {
        info!("shutting down; not dialling");
        return not_dialled(clock, ResultCode::Cancelled, "daemon shutting down");
    }

    let mut flow = match CallFlow::new(flow_config, now()) {
        Ok(flow) => flow,
        Err(error) => {
            warn!(%error, "call not placed");
            return not_dialled(clock, ResultCode::Failed, "nothing to read");
        }
    };
    debug!(callee = %spec.callee, "dialling");
    let mut dialog = match backend.dial(&spec).await {
        Ok(dialog) => Some(dialog),
        Err(failure) => {
            warn!(?failure, "INVITE not sent");
            flow.handle_dial_failed(now(), failure);
            None
        }
    };

    let mut stream: Option<B::Stream> = None;
    let mut current_play: Option<PlayId> = None;
    let mut stream_epoch = now();
    let mut dtmf = DtmfMerger::new();
    let mut watch_shutdown = true;

    loop {
        while let Some(action) = flow.poll_action() {
            match action {
                Action::Progress(state) => {
                    debug!(state = state.as_str(), "progress");
                    progress(state);
                }
                Action::Play(play) => {
                    current_play = None;
                    match (stream.as_mut(), rendered.get(play.segment)) {
                        (Some(s), Some(audio)) => {
                            debug!(segment = ?play.segment, "play");
                            s.play(audio);
                            current_play = Some(play.id);
                        }
                        // No stream (it failed to open) or no audio: nothing can play,
                        // so the segment is over at once and the flow moves on.
                        _ => flow.handle_playback_finished(now(), play.id),
                    }
                }
                Action::StopPlayback => {
                    current_play = None;
                    if let Some(s) = stream.as_mut() {
                        s.stop_playback();
                    }
                }
                Action::Cancel => {
                    info!("cancelling");
                    if let Some(d) = dialog.as_mut() {
                        d.cancel();
                    }
                }
                Action::Hangup => {
                    debug!("hanging up");
                    if let Some(d) = dialog.as_mut() {
                        d.hangup();
                    }
                }
                Action::Finished(end) => {
                    if let Some(s) = stream.take() {
                        observer.media_closed(s.close().await);
                    }
                    info!(
                        result = end.result.code(),
                        cause = ?end.cause,
                        sip_code = end.sip_code,
                        code_read_count = end.code_read_count,
                        replays = end.replays,
                        "call ended"
                    );
                    return outcome(clock, end);
                }
            }
        }

        let deadline = flow.poll_timeout();
        // Biased: signalling first, so a BYE that arrives with a media event decides how
        // the call ends, and runs are reproducible.
        tokio::select! {
            biased;
            event = async {
                match dialog.as_mut() {
                    Some(d) => d.next_event().await,
                    None => std::future::pending().await,
                }
            } => {
                let at = now();
                match event {
                    Some(SignalEvent::Provisional(code)) => flow.handle_provisional(at, code),
                    Some(SignalEvent::Answered(media)) => {
                        if matches!(flow.live_state(), LiveState::Dialling | LiveState::Ringing) {
                            if let Some(d) = dialog.as_mut() {
                                match backend.open_stream(d, media).await {
                                    Ok(s) => {
                                        stream = Some(s);
                                        stream_epoch = at;
                                        flow.handle_answered(at);
                                    }
                                    Err(error) => {
                                        warn!(%error, "media stream did not open");
                                        flow.handle_answered(at);
                                        flow.handle_media_error(at);
                                    }
                                }
                            }
                        } else {
                            flow.handle_answered(at);
                        }
                    }
                    Some(SignalEvent::MediaUpdated(media)) => {
                        if let Some(s) = stream.as_mut() {
                            s.update_remote(media);
                        }
                    }
                    Some(SignalEvent::Failed(failure)) => flow.handle_dial_failed(at, failure),
                    Some(SignalEvent::RemoteHangup) => flow.handle_remote_hangup(at),
                    Some(SignalEvent::HangupDone) => flow.handle_hangup_done(at),
                    Some(SignalEvent::Cancelled(code)) => flow.handle_cancelled(at, code),
                    Some(SignalEvent::Info { content_type, body }) => {
                        match parse_sip_info(&content_type, &body) {
                            Ok(info) => {
                                // INFO carries no timeline: place the press on the
                                // stream's, ending now, so the merger can match it with
                                // the same press sent as RFC 4733 events.
                                let held = info.duration.unwrap_or(voice_otp_dtmf::DEFAULT_INFO_DURATION);
                                let start = at.saturating_duration_since(stream_epoch).saturating_sub(held);
                                dtmf.handle_event(info.into_event(start));
                            }
                            Err(error) => debug!(%error, "INFO without a key press"),
                        }
                    }
                    None => {
                        // The SIP endpoint is gone (its driver died): nothing more will
                        // come for this call, whose end is unknown.
                        dialog = None;
                        flow.handle_dial_failed(at, DialFailure::SignallingLost);
                    }
                }
            }
            event = next_media(&mut stream) => {
                let at = now();
                match event {
                    Some(MediaEvent::PlaybackFinished) => {
                        if let Some(id) = current_play.take() {
                            flow.handle_playback_finished(at, id);
                        }
                    }
                    Some(MediaEvent::Dtmf(press)) => dtmf.handle_event(press),
                    Some(MediaEvent::Failed) | None => {
                        warn!("media stream failed");
                        if let Some(s) = stream.take() {
                            observer.media_closed(s.close().await);
                        }
                        current_play = None;
                        flow.handle_media_error(at);
                    }
                }
            }
            () = sleep_until(deadline) => flow.handle_timeout(now()),
            changed = shutdown.changed(), if watch_shutdown => {
                match changed {
                    Ok(()) if *shutdown.borrow_and_update() => {
                        info!("shutdown: ending the call");
                        watch_shutdown = false;
                        flow.handle_shutdown(now());
                    }
                    Ok(()) => {}
                    // The daemon dropped its sender: no shutdown will be signalled.
                    Err(_) => watch_shutdown = false,
                }
            }
        }

        while let Some(press) = dtmf.poll_event() {
            debug!(source = ?press.source, "key press");
            observer.key_pressed(press.source);
            flow.handle_dtmf(now(), press.digit.as_char());
        }
    }
}
