//! The flow of one call as a sans-IO state machine: no sockets, no clock, no tokio.
//!
//! The runner feeds what happened (`handle_*`), drains what to do (`poll_action`) and
//! sleeps until `poll_timeout`, when it calls `handle_timeout`. Every input takes the
//! `now` it happened at, so tests step virtual time and a 10-minute guard fires in a
//! test that runs in microseconds.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use voice_otp_dtmf::{Digit, Keys};

use crate::error::Error;
use crate::spec::{
    CallEnd, CallKind, CallSpec, CollectRules, KeypressCheck, LiveState, ResultCode,
};

mod collect;

use collect::{Collector, collector_of};

/// The longest an answered call may last before the flow hangs up on its own.
pub const DEFAULT_MAX_DURATION: Duration = Duration::from_secs(600);

/// How long to wait for a CANCEL or BYE to complete before declaring the call over anyway:
/// 64 x T1, the SIP transaction timeout, so a silent trunk cannot hold a slot forever.
pub const DEFAULT_ENDING_TIMEOUT: Duration = Duration::from_secs(32);

/// One piece of audio the flow asks the runner to play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Segment {
    /// The intro prompt, once on answer.
    Intro,
    /// The code prompt before each reading (for Notification: the prompt itself; for
    /// Request DTMF: the input prompt of each attempt).
    CodePrompt,
    /// The code, character by character.
    Code,
    /// "Press 1 to hear the code again", after a reading while replays remain.
    ReplayPrompt,
    /// The outro prompt, once before hanging up (Request DTMF: the valid prompt, only
    /// after a valid entry).
    Outro,
    /// Request DTMF: after an attempt whose entry was not valid.
    InvalidPrompt,
    /// `require-keypress`: "press N to hear your code", before the first reading.
    KeypressPrompt,
}

/// Identifies one `Play` action, so a late "playback finished" of audio that was already
/// stopped cannot be mistaken for the end of the audio that replaced it. The media stream
/// is given it with the audio and reports it back with the end (it is the RTP engine's id).
pub use voice_otp_rtp::PlayId;

/// A request to play one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Play {
    /// What to play.
    pub segment: Segment,
    /// Pass this back to [`CallFlow::handle_playback_finished`] when it has played out.
    pub id: PlayId,
}

/// Why a call ended, for logs and tests (the CDR carries the [`ResultCode`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndCause {
    /// The flow ran to its end: outro played (or skipped) and BYE done.
    Completed,
    /// The callee hung up.
    RemoteHangup,
    /// Nobody answered before the ring timeout; the INVITE was cancelled.
    RingTimeout,
    /// The far end or the network answered the INVITE with a final failure.
    DialFailed,
    /// The daemon was shutting down.
    Shutdown,
    /// The answered call hit the maximum call duration.
    MaxDuration,
    /// The media stream failed after answer.
    MediaError,
    /// The SIP endpoint stopped (its driver task died) while the call was up: nothing more
    /// could be signalled for it.
    SignallingLost,
    /// The call never reached the wire (not rendered, not dialled, the daemon stopping
    /// before it started, the runner gone): only [`CallOutcome::not_dialled`] gives it.
    ///
    /// [`CallOutcome::not_dialled`]: crate::CallOutcome::not_dialled
    NotDialled,
}

/// How the call ended, in the flow's own (monotonic) time: `started_on` is the instant the
/// flow was created with.
pub type FlowEnd = CallEnd<Instant>;

/// What the flow asks the runner to do, drained with [`CallFlow::poll_action`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The call moved to a new live state (for `GET /v1/calls/{id}`).
    Progress(LiveState),
    /// Start playing a segment; anything still playing has been stopped first.
    Play(Play),
    /// Stop what is playing at once (silence keeps flowing).
    StopPlayback,
    /// Cancel the ringing INVITE (the SIP layer waits for a provisional if none came yet).
    /// The flow then waits for the INVITE's final response (487, or a racing 2xx).
    Cancel,
    /// End the answered call with BYE; report completion with
    /// [`CallFlow::handle_hangup_done`].
    Hangup,
    /// The call is over; nothing more will come from the flow.
    Finished(FlowEnd),
}

/// Why a dial attempt failed, as reported by the SIP layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialFailure {
    /// A final non-2xx response to the INVITE.
    Response {
        /// Status code, 300 to 699.
        code: u16,
        /// Reason phrase as received.
        reason: String,
    },
    /// No final response in time (Timer B): reported as a local 408.
    Timeout,
    /// The trunk could not be resolved or reached.
    NoRoute,
    /// The transport failed (connection refused or reset, ICMP unreachable).
    Transport,
    /// The TLS connection to the trunk could not be set up (its certificate is not
    /// trusted, the handshake failed); the call was never sent in clear instead.
    Tls {
        /// Why, as the SIP layer words it (it becomes the disconnect reason).
        reason: String,
    },
    /// The far end answered with media we cannot use (the SIP layer ACKed and BYEd it).
    NoCommonCodec,
    /// The far end answered with media at an address RTP must not go to (unspecified,
    /// multicast, broadcast, outside `[rtp] peer-networks`); the SIP layer ACKed and BYEd it.
    MediaRefused {
        /// Why, as the SIP layer words it (it becomes the disconnect reason).
        reason: String,
    },
    /// The call could not be placed on our side (no free RTP port, SIP endpoint stopped).
    Local,
    /// The SIP endpoint's event stream ended under a live call: its driver died.
    SignallingLost,
}

impl DialFailure {
    /// The result code a failed dial maps to when the flow did not cancel it itself.
    ///
    /// Spec section 3: 5xx, timeouts, no route and transport errors are `Failed` (11);
    /// 4xx/6xx from the far end are `Rejected` (12). Edge cases, chosen on purpose:
    /// - 408 received from the far end is `Failed`: like our own Timer B it says that the
    ///   network gave up waiting, not that the callee's side refused the call.
    /// - 480 Temporarily Unavailable is `Rejected`: it is the far end's definite answer
    ///   that the callee cannot take the call now (switched off, not registered, or a
    ///   network-side no-answer), the same remedy as busy: try later or another channel.
    /// - 401/407 reaching the flow mean our digest credentials were refused after the
    ///   retry: a configuration error on our side, so `Failed`.
    /// - 3xx is `Failed`: redirects are not followed, so the call found no route.
    pub fn result_code(&self) -> ResultCode {
        match self {
            DialFailure::Response { code, .. } => match *code {
                401 | 407 | 408 => ResultCode::Failed,
                400..=499 | 600..=699 => ResultCode::Rejected,
                _ => ResultCode::Failed,
            },
            DialFailure::Timeout
            | DialFailure::NoRoute
            | DialFailure::Transport
            | DialFailure::Tls { .. }
            | DialFailure::NoCommonCodec
            | DialFailure::MediaRefused { .. }
            | DialFailure::Local
            | DialFailure::SignallingLost => ResultCode::Failed,
        }
    }

    fn sip_status(&self) -> (Option<u16>, Option<String>) {
        match self {
            DialFailure::Response { code, reason } => (Some(*code), Some(reason.clone())),
            DialFailure::Timeout => (Some(408), Some("Request Timeout".to_owned())),
            DialFailure::NoRoute => (None, Some("No route to trunk".to_owned())),
            DialFailure::Transport => (None, Some("Transport error".to_owned())),
            DialFailure::Tls { reason } => (None, Some(reason.clone())),
            DialFailure::NoCommonCodec => (None, Some("No common codec".to_owned())),
            DialFailure::MediaRefused { reason } => (None, Some(reason.clone())),
            DialFailure::Local => (None, Some("Local resources unavailable".to_owned())),
            DialFailure::SignallingLost => (None, Some("SIP signalling lost".to_owned())),
        }
    }
}

/// The shape of one call's flow: which segments exist and the timers. Built from a
/// [`CallSpec`] (with its daemon-wide settings) by `From`; fields are public so tests can
/// build any shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowConfig {
    /// OTP or Notification (only changes what a reading holds).
    pub kind: CallKind,
    /// Ring this long, measured from the INVITE, before cancelling.
    pub ring_timeout: Duration,
    /// An intro prompt exists.
    pub intro: bool,
    /// A code prompt (or the Notification prompt) exists.
    pub code_prompt: bool,
    /// A code exists (OTP calls).
    pub code: bool,
    /// A replay prompt exists.
    pub replay_prompt: bool,
    /// An outro prompt exists.
    pub outro: bool,
    /// Extra readings allowed (0 to 3).
    pub max_replays: u8,
    /// Replay without waiting for a key.
    pub auto_replay: bool,
    /// How long to wait for a key after the replay prompt.
    pub replay_wait: Duration,
    /// Silence between segments that follow each other on their own (intro and reading,
    /// code prompt and code, a reading and what comes after it). The renderer's
    /// `prompt_gap`, so a call sounds like `voice-otp say`. A press of 1 restarts at once.
    pub prompt_gap: Duration,
    /// Hang up an answered call after this long, whatever it is doing.
    pub max_duration: Duration,
    /// Give up waiting for a CANCEL or BYE to complete after this long.
    pub ending_timeout: Duration,
    /// Request DTMF: collect keys (the code prompt is the input prompt, the outro the
    /// valid prompt) instead of reading a code. `None` for OTP and Notification.
    pub collect: Option<CollectRules>,
    /// Request DTMF: an invalid prompt exists.
    pub invalid_prompt: bool,
    /// `require-keypress`: the key (2-9, chosen by the daemon) the callee must press after
    /// "press N to hear your code" before the first reading. Two tries, each waiting
    /// `replay_wait`; then the call hangs up unread. Ignored when `collect` is set.
    pub keypress: Option<Digit>,
}

/// The one place a call's shape and timers are put together.
impl From<&CallSpec> for FlowConfig {
    fn from(spec: &CallSpec) -> Self {
        let settings = &spec.settings;
        FlowConfig {
            kind: spec.kind,
            ring_timeout: spec.ring_timeout,
            intro: spec.intro.is_some(),
            code_prompt: spec.code_prompt.is_some(),
            code: spec.code.is_some(),
            replay_prompt: spec.replay_prompt.is_some(),
            outro: spec.outro.is_some(),
            max_replays: spec.max_replays,
            auto_replay: spec.auto_replay,
            replay_wait: settings.replay_wait,
            prompt_gap: settings.prompt_gap,
            max_duration: settings.max_duration,
            ending_timeout: settings.ending_timeout,
            collect: spec.collect.clone(),
            invalid_prompt: spec.invalid_prompt.is_some(),
            keypress: spec.keypress,
        }
    }
}

/// What an answered call is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Intro,
    CodePrompt,
    Code,
    ReplayPrompt,
    Waiting {
        until: Instant,
    },
    /// Request DTMF: the collector has the call (prompt, keys, invalid prompt).
    Collecting,
    /// Silence before `next` starts on its own.
    Gap {
        until: Instant,
        next: Next,
    },
    Outro,
}

/// What starts when a gap ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Reading,
    Code,
    ReplayPrompt,
    Outro,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// INVITE sent; `ringing` once a provisional response came.
    Dialling { ringing: bool },
    /// CANCEL asked for; waiting for the INVITE's final response.
    Cancelling { until: Instant },
    /// 2xx received; playing.
    Answered(Phase),
    /// BYE asked for; waiting for it to complete.
    HangingUp { until: Instant },
    /// `Finished` emitted.
    Done,
}

/// The flow of one OTP or Notification call (spec section 4b).
///
/// # Run loop
///
/// ```
/// use std::time::{Duration, Instant};
/// use voice_otp_call::flow::{Action, CallFlow, FlowConfig, Segment};
/// use voice_otp_call::{CallKind, ResultCode};
///
/// let config = FlowConfig {
///     kind: CallKind::Otp,
///     ring_timeout: Duration::from_secs(60),
///     intro: false,
///     code_prompt: false,
///     code: true,
///     replay_prompt: false,
///     outro: false,
///     max_replays: 0,
///     auto_replay: false,
///     replay_wait: Duration::from_secs(5),
///     prompt_gap: Duration::ZERO,
///     max_duration: Duration::from_secs(600),
///     ending_timeout: Duration::from_secs(32),
///     collect: None,
///     invalid_prompt: false,
///     keypress: None,
/// };
/// let start = Instant::now();
/// let mut flow = CallFlow::new(config, start).unwrap();
/// flow.handle_answered(start + Duration::from_secs(3));
/// let mut end = None;
/// let mut now = start + Duration::from_secs(3);
/// while end.is_none() {
///     match flow.poll_action() {
///         // A runner starts the audio here; this one pretends it played for 2 s.
///         Some(Action::Play(play)) => {
///             assert_eq!(play.segment, Segment::Code);
///             now += Duration::from_secs(2);
///             flow.handle_playback_finished(now, play.id);
///         }
///         Some(Action::Hangup) => flow.handle_hangup_done(now),
///         Some(Action::Finished(outcome)) => end = Some(outcome),
///         Some(_) => {}
///         // Nothing to do: sleep until the deadline, then tell the flow.
///         None => {
///             now = flow.poll_timeout().unwrap();
///             flow.handle_timeout(now);
///         }
///     }
/// }
/// let end = end.unwrap();
/// assert_eq!(end.result, ResultCode::Finished);
/// assert_eq!(end.code_read_count, 1);
/// ```
#[derive(Debug)]
pub struct CallFlow {
    config: FlowConfig,
    state: State,
    actions: VecDeque<Action>,
    started: Instant,
    answered: Option<Instant>,
    ring_deadline: Instant,
    /// The play the flow is waiting on, if any.
    playing: Option<PlayId>,
    next_play: u64,
    readings_started: u32,
    code_read_count: u32,
    dtmf: Keys,
    /// Request DTMF calls, and OTP calls with a keypress check: the digit collection.
    collector: Option<Box<Collector>>,
    /// The keypress check was passed.
    keypress_passed: bool,
    /// Decided when the ending starts; sent with `Finished`.
    result: ResultCode,
    cause: EndCause,
    sip_code: Option<u16>,
    sip_reason: Option<String>,
}

impl CallFlow {
    /// A flow whose INVITE is sent at `now`. Fails if the call would have nothing to
    /// read (neither code nor code prompt).
    pub fn new(config: FlowConfig, now: Instant) -> Result<Self, Error> {
        if !config.code && !config.code_prompt {
            return Err(Error::NothingToRead);
        }
        let mut actions = VecDeque::new();
        actions.push_back(Action::Progress(LiveState::Dialling));
        let collector = collector_of(&config)?;
        Ok(CallFlow {
            collector,
            keypress_passed: false,
            ring_deadline: now + config.ring_timeout,
            config,
            state: State::Dialling { ringing: false },
            actions,
            started: now,
            answered: None,
            playing: None,
            next_play: 0,
            readings_started: 0,
            code_read_count: 0,
            dtmf: Keys::new(),
            result: ResultCode::Failed,
            cause: EndCause::Completed,
            sip_code: None,
            sip_reason: None,
        })
    }

    /// The next thing to do, until `None`.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next instant at which [`CallFlow::handle_timeout`] must be called, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Dialling { .. } => Some(self.ring_deadline),
            State::Cancelling { until } | State::HangingUp { until } => Some(until),
            State::Answered(phase) => {
                let guard = self.max_duration_deadline();
                Some(match phase {
                    Phase::Waiting { until } | Phase::Gap { until, .. } => until.min(guard),
                    Phase::Collecting => self
                        .collector
                        .as_ref()
                        .and_then(|c| c.deadline())
                        .map_or(guard, |until| until.min(guard)),
                    _ => guard,
                })
            }
            State::Done => None,
        }
    }

    /// The live state now, for status queries.
    pub fn live_state(&self) -> LiveState {
        match self.state {
            State::Dialling { ringing: false } => LiveState::Dialling,
            State::Dialling { ringing: true } => LiveState::Ringing,
            State::Answered(_) => LiveState::Answered,
            State::Cancelling { .. } | State::HangingUp { .. } | State::Done => LiveState::Ending,
        }
    }

    /// True once `Finished` has been queued.
    pub fn is_finished(&self) -> bool {
        self.state == State::Done
    }

    /// A provisional response (180 ringing, 183 with or without early media) arrived.
    /// Early media is accepted and not played into: the flow starts on answer.
    pub fn handle_provisional(&mut self, _now: Instant, code: u16) {
        if !(101..=199).contains(&code) {
            return;
        }
        if let State::Dialling { ringing: false } = self.state {
            self.state = State::Dialling { ringing: true };
            self.actions.push_back(Action::Progress(LiveState::Ringing));
        }
    }

    /// The INVITE was answered (2xx; the SIP layer ACKs it).
    pub fn handle_answered(&mut self, now: Instant) {
        match self.state {
            State::Dialling { .. } => {
                self.answered = Some(now);
                self.actions
                    .push_back(Action::Progress(LiveState::Answered));
                if self.config.intro {
                    self.state = State::Answered(Phase::Intro);
                    self.play(Segment::Intro);
                } else {
                    self.start_reading();
                }
            }
            State::Cancelling { .. } => {
                // The 2xx raced our CANCEL (spec 4): the dialog exists and must be BYEd.
                // The result stays Cancelled, since we had given up on the call and
                // nothing was played; `answered` records that the 2xx did arrive.
                self.answered = Some(now);
                self.actions.push_back(Action::Hangup);
                self.state = State::HangingUp {
                    until: now + self.config.ending_timeout,
                };
            }
            State::Answered(_) | State::HangingUp { .. } | State::Done => {}
        }
    }

    /// The INVITE failed with a final response, a timeout or a transport error.
    pub fn handle_dial_failed(&mut self, now: Instant, failure: DialFailure) {
        let (code, reason) = failure.sip_status();
        match self.state {
            State::Dialling { .. } => {
                self.result = failure.result_code();
                self.cause = EndCause::DialFailed;
                self.finish_with_status(now, code, reason);
            }
            // Usually 487 Request Terminated: the end of our own CANCEL.
            State::Cancelling { .. } => self.finish_with_status(now, code, reason),
            // The SIP driver died under an answered call: the call cannot be ended properly
            // and its end is unknown, so it is recorded as failed, not as finished.
            State::Answered(_) if failure == DialFailure::SignallingLost => {
                self.result = ResultCode::Failed;
                self.cause = EndCause::SignallingLost;
                self.finish_with_status(now, code, reason);
            }
            // After answer the INVITE transaction is over; a failure report here can only
            // be a transport failure of the dialog, which ends the call like a hang-up.
            State::Answered(_) | State::HangingUp { .. } => self.handle_remote_hangup(now),
            State::Done => {}
        }
    }

    /// Ends the flow with the SIP status that ended the INVITE (or the dialog).
    fn finish_with_status(&mut self, now: Instant, code: Option<u16>, reason: Option<String>) {
        self.sip_code = code;
        self.sip_reason = reason;
        self.finish(now);
    }

    /// Our CANCEL is complete: the INVITE ended with `final_code` (487 normally; 200 when
    /// an answer raced the CANCEL and the SIP layer BYEd it; `None` when nothing came).
    pub fn handle_cancelled(&mut self, now: Instant, final_code: Option<u16>) {
        match self.state {
            State::Dialling { .. } | State::Cancelling { .. } => {
                self.result = ResultCode::Cancelled;
                if let State::Dialling { .. } = self.state {
                    // Not our CANCEL: the SIP endpoint cancels its calls when it stops.
                    self.cause = EndCause::Shutdown;
                }
                self.sip_code = final_code;
                self.sip_reason = final_code.and_then(reason_phrase).map(str::to_owned);
                self.finish(now);
            }
            State::HangingUp { .. } => self.finish(now),
            State::Answered(_) | State::Done => {}
        }
    }

    /// The callee hung up (BYE received and answered by the SIP layer).
    pub fn handle_remote_hangup(&mut self, now: Instant) {
        match self.state {
            State::Answered(_) => {
                self.result = ResultCode::Finished;
                self.cause = EndCause::RemoteHangup;
                self.set_normal_clearing();
                self.finish(now);
            }
            // BYE glare: both sides hung up; ours no longer needs an answer.
            State::HangingUp { .. } => self.finish(now),
            State::Dialling { .. } | State::Cancelling { .. } | State::Done => {}
        }
    }

    /// Our BYE completed (any response, or its transaction timed out).
    pub fn handle_hangup_done(&mut self, now: Instant) {
        if let State::HangingUp { .. } = self.state {
            self.finish(now);
        }
    }

    /// The segment started by the `Play` with this id has played to its end.
    pub fn handle_playback_finished(&mut self, now: Instant, id: PlayId) {
        if self.playing != Some(id) {
            return;
        }
        self.playing = None;
        let State::Answered(phase) = self.state else {
            return;
        };
        match phase {
            Phase::Intro => self.after_gap(now, Next::Reading),
            Phase::CodePrompt => {
                if self.config.code {
                    self.after_gap(now, Next::Code);
                } else {
                    self.reading_done(now);
                }
            }
            Phase::Code => self.reading_done(now),
            Phase::ReplayPrompt => self.start_wait(now),
            Phase::Outro => self.hangup(now, EndCause::Completed),
            Phase::Collecting => {
                if let Some(step) = self.collector.as_mut().map(|c| c.playback_finished(now)) {
                    self.collect_step(now, step);
                }
            }
            Phase::Waiting { .. } | Phase::Gap { .. } => {}
        }
    }

    /// The callee pressed a key (merged from every source: each press comes once).
    pub fn handle_dtmf(&mut self, now: Instant, digit: Digit) {
        let State::Answered(phase) = self.state else {
            return;
        };
        self.dtmf.push(digit);
        if phase == Phase::Collecting {
            self.collect_digit(now, digit);
            return;
        }
        if digit != Digit::D1 || self.readings_started == 0 || self.replays_left() == 0 {
            return;
        }
        // Spec 4b: a 1 at any moment after the first reading started, while replays
        // remain, interrupts whatever plays (the outro included) and reads again.
        if self.playing.take().is_some() {
            self.actions.push_back(Action::StopPlayback);
        }
        self.start_reading();
    }

    /// A deadline from [`CallFlow::poll_timeout`] passed. Extra calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.state {
            State::Dialling { .. } if now >= self.ring_deadline => {
                self.cancel(now, EndCause::RingTimeout);
            }
            State::Cancelling { until } | State::HangingUp { until } if now >= until => {
                // The SIP layer never confirmed; the call is over for us regardless.
                self.finish(now);
            }
            State::Answered(phase) => {
                if now >= self.max_duration_deadline() {
                    self.stop_and_hangup(now, EndCause::MaxDuration);
                } else {
                    match phase {
                        Phase::Waiting { until } if now >= until => self.outro_or_hangup(now),
                        Phase::Gap { until, next } if now >= until => self.go(now, next),
                        Phase::Collecting => {
                            if let Some(step) = self.collector.as_mut().map(|c| c.timeout(now)) {
                                self.collect_step(now, step);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// The daemon is stopping: cancel a ringing call, hang up an answered one at once
    /// (no outro). The result is recorded as usual: 9 before answer, 10 after.
    pub fn handle_shutdown(&mut self, now: Instant) {
        match self.state {
            State::Dialling { .. } => self.cancel(now, EndCause::Shutdown),
            State::Answered(_) => self.stop_and_hangup(now, EndCause::Shutdown),
            State::Cancelling { .. } | State::HangingUp { .. } | State::Done => {}
        }
    }

    /// The media stream of an answered call failed: hang up at once. The call was
    /// answered, so its result stays `Finished` (10); the cause says what happened.
    pub fn handle_media_error(&mut self, now: Instant) {
        if let State::Answered(_) = self.state {
            self.stop_and_hangup(now, EndCause::MediaError);
        }
    }

    fn max_duration_deadline(&self) -> Instant {
        // Only asked for once answered.
        self.answered.unwrap_or(self.started) + self.config.max_duration
    }

    fn replays_left(&self) -> u32 {
        u32::from(self.config.max_replays).saturating_sub(self.readings_started.saturating_sub(1))
    }

    fn play(&mut self, segment: Segment) {
        let id = PlayId(self.next_play);
        self.next_play += 1;
        self.playing = Some(id);
        self.actions.push_back(Action::Play(Play { segment, id }));
    }

    fn start_reading(&mut self) {
        if let Some(collector) = self.collector.as_mut().filter(|c| !c.started()) {
            // Request DTMF, or the keypress check: what follows the intro is the first
            // attempt, not a reading.
            let segment = collector.start();
            self.state = State::Answered(Phase::Collecting);
            self.play(segment);
            return;
        }
        self.readings_started += 1;
        if self.config.code_prompt {
            self.state = State::Answered(Phase::CodePrompt);
            self.play(Segment::CodePrompt);
        } else {
            self.state = State::Answered(Phase::Code);
            self.play(Segment::Code);
        }
    }

    fn reading_done(&mut self, now: Instant) {
        self.code_read_count += 1;
        if self.replays_left() == 0 {
            if self.config.outro {
                self.after_gap(now, Next::Outro);
            } else {
                self.hangup(now, EndCause::Completed);
            }
        } else if self.config.auto_replay {
            self.after_gap(now, Next::Reading);
        } else if self.config.replay_prompt {
            self.after_gap(now, Next::ReplayPrompt);
        } else {
            self.start_wait(now);
        }
    }

    /// Starts `next` after the configured silence (at once when there is none).
    fn after_gap(&mut self, now: Instant, next: Next) {
        if self.config.prompt_gap.is_zero() {
            self.go(now, next);
        } else {
            self.state = State::Answered(Phase::Gap {
                until: now + self.config.prompt_gap,
                next,
            });
        }
    }

    fn go(&mut self, now: Instant, next: Next) {
        match next {
            Next::Reading => self.start_reading(),
            Next::Code => {
                self.state = State::Answered(Phase::Code);
                self.play(Segment::Code);
            }
            Next::ReplayPrompt => {
                self.state = State::Answered(Phase::ReplayPrompt);
                self.play(Segment::ReplayPrompt);
            }
            Next::Outro => self.outro_or_hangup(now),
        }
    }

    fn start_wait(&mut self, now: Instant) {
        self.state = State::Answered(Phase::Waiting {
            until: now + self.config.replay_wait,
        });
    }

    fn outro_or_hangup(&mut self, now: Instant) {
        if self.config.outro {
            self.state = State::Answered(Phase::Outro);
            self.play(Segment::Outro);
        } else {
            self.hangup(now, EndCause::Completed);
        }
    }

    fn stop_and_hangup(&mut self, now: Instant, cause: EndCause) {
        if self.playing.take().is_some() {
            self.actions.push_back(Action::StopPlayback);
        }
        self.hangup(now, cause);
    }

    fn hangup(&mut self, now: Instant, cause: EndCause) {
        self.playing = None;
        self.result = ResultCode::Finished;
        self.cause = cause;
        self.set_normal_clearing();
        self.actions.push_back(Action::Progress(LiveState::Ending));
        self.actions.push_back(Action::Hangup);
        self.state = State::HangingUp {
            until: now + self.config.ending_timeout,
        };
    }

    fn cancel(&mut self, now: Instant, cause: EndCause) {
        self.result = ResultCode::Cancelled;
        self.cause = cause;
        self.actions.push_back(Action::Progress(LiveState::Ending));
        self.actions.push_back(Action::Cancel);
        self.state = State::Cancelling {
            until: now + self.config.ending_timeout,
        };
    }

    /// An answered call that ended by BYE, from either side, reports 200 OK (spec 3).
    fn set_normal_clearing(&mut self) {
        self.sip_code = Some(200);
        self.sip_reason = Some("OK".to_owned());
    }

    fn finish(&mut self, now: Instant) {
        self.playing = None;
        self.state = State::Done;
        self.actions.push_back(Action::Finished(FlowEnd {
            result: self.result,
            cause: self.cause,
            started_on: self.started,
            answered_on: self.answered,
            ended_on: now,
            code_read_count: self.code_read_count,
            replays: self.readings_started.saturating_sub(1),
            dtmf: std::mem::take(&mut self.dtmf),
            input: self
                .collector
                .as_ref()
                .filter(|_| self.answered.is_some() && self.config.collect.is_some())
                .map(|c| c.outcome()),
            keypress_check: match (self.config.keypress, self.keypress_passed) {
                _ if self.config.collect.is_some() => KeypressCheck::NotRequired,
                (None, _) => KeypressCheck::NotRequired,
                (Some(_), true) => KeypressCheck::Passed,
                (Some(_), false) => KeypressCheck::Failed,
            },
            sip_code: self.sip_code,
            sip_reason: self.sip_reason.take(),
        }));
    }
}

/// The RFC 3261 reason phrase of the codes the flow reports on its own.
fn reason_phrase(code: u16) -> Option<&'static str> {
    Some(match code {
        200 => "OK",
        408 => "Request Timeout",
        487 => "Request Terminated",
        _ => return None,
    })
}
