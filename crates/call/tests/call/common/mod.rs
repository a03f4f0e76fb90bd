//! A virtual-time harness for `CallFlow`: a scripted far end and a fake player that
//! "plays" each segment for a fixed duration. Time jumps straight to the next deadline,
//! playback end or scripted event, so minutes of call run in microseconds.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use voice_otp_call::{
    Action, CallFlow, CallKind, CollectRules, DialFailure, FlowConfig, FlowEnd, LiveState, Play,
    Segment,
};

/// Something the far end (or the daemon) does at a scripted moment.
#[derive(Debug, Clone)]
pub(crate) enum Event {
    Provisional(u16),
    Answer,
    Fail(DialFailure),
    RemoteHangup,
    Dtmf(char),
    Shutdown,
    MediaError,
    HangupDone,
}

/// How long the fake player takes for each segment.
pub(crate) fn segment_length(segment: Segment) -> Duration {
    Duration::from_millis(match segment {
        Segment::Intro => 2_000,
        Segment::CodePrompt => 1_000,
        Segment::Code => 3_000,
        Segment::ReplayPrompt => 2_000,
        Segment::Outro => 1_000,
        Segment::InvalidPrompt => 1_500,
        Segment::KeypressPrompt => 2_000,
    })
}

/// An OTP call with every prompt present, one replay allowed, a 5 s replay wait.
pub(crate) fn otp_config() -> FlowConfig {
    FlowConfig {
        kind: CallKind::Otp,
        ring_timeout: Duration::from_secs(60),
        intro: true,
        code_prompt: true,
        code: true,
        replay_prompt: true,
        outro: true,
        max_replays: 1,
        auto_replay: false,
        replay_wait: Duration::from_secs(5),
        prompt_gap: Duration::ZERO,
        max_duration: Duration::from_secs(600),
        ending_timeout: Duration::from_secs(32),
        collect: None,
        invalid_prompt: false,
        keypress: None,
    }
}

/// A Request DTMF call: input prompt (1 s), valid prompt as outro (1 s), invalid prompt
/// (1.5 s); 4 to 6 digits, `#` ends the entry, 3 attempts, 5 s per key.
pub(crate) fn dtmf_config() -> FlowConfig {
    FlowConfig {
        kind: CallKind::Dtmf,
        intro: false,
        code: false,
        replay_prompt: false,
        max_replays: 0,
        collect: Some(CollectRules {
            min_digits: 4,
            max_digits: 6,
            max_attempts: 3,
            timeout: Duration::from_secs(5),
            terminators: "#".parse().expect("keys"),
            pattern: None,
        }),
        invalid_prompt: true,
        ..otp_config()
    }
}

/// Schedules each key of `keys` on `sim`, the first at `first_ms`, then every `step_ms`.
pub(crate) fn press(sim: &mut Sim, keys: &str, first_ms: u64, step_ms: u64) {
    for (i, key) in keys.chars().enumerate() {
        sim.at(ms(first_ms + step_ms * i as u64), Event::Dtmf(key));
    }
}

pub(crate) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub(crate) struct Sim {
    pub(crate) flow: CallFlow,
    pub(crate) start: Instant,
    pub(crate) now: Instant,
    /// Every action with the offset (ms since the INVITE) it was polled at.
    pub(crate) log: Vec<(u64, Action)>,
    pub(crate) end: Option<FlowEnd>,
    script: Vec<(Duration, Event)>,
    playing: Option<(Play, Instant)>,
    /// Answer our CANCEL with a 487 this long after it (None: never).
    pub(crate) cancel_reply: Option<Duration>,
    /// Complete our BYE this long after it (None: never).
    pub(crate) bye_reply: Option<Duration>,
    /// Let playback stall: segments never finish.
    pub(crate) stall_playback: bool,
}

impl Sim {
    pub(crate) fn new(config: FlowConfig) -> Self {
        let start = Instant::now();
        Sim {
            flow: CallFlow::new(config, start).expect("valid flow config"),
            start,
            now: start,
            log: Vec::new(),
            end: None,
            script: Vec::new(),
            playing: None,
            cancel_reply: Some(ms(20)),
            bye_reply: Some(ms(20)),
            stall_playback: false,
        }
    }

    /// A flow whose call is answered 1 s after the INVITE.
    pub(crate) fn answered(config: FlowConfig) -> Self {
        let mut sim = Sim::new(config);
        sim.at(ms(1_000), Event::Answer);
        sim
    }

    /// Schedules `event` at `at` after the INVITE.
    pub(crate) fn at(&mut self, at: Duration, event: Event) -> &mut Self {
        self.script.push((at, event));
        self
    }

    fn offset(&self) -> u64 {
        (self.now - self.start).as_millis() as u64
    }

    fn drain(&mut self) {
        while let Some(action) = self.flow.poll_action() {
            let t = self.offset();
            match &action {
                Action::Play(play) => {
                    self.playing = Some((*play, self.now + segment_length(play.segment)));
                }
                Action::StopPlayback => self.playing = None,
                Action::Cancel => {
                    if let Some(after) = self.cancel_reply {
                        let at = self.now - self.start + after;
                        self.script.push((
                            at,
                            Event::Fail(DialFailure::Response {
                                code: 487,
                                reason: "Request Terminated".to_owned(),
                            }),
                        ));
                    }
                }
                Action::Hangup => {
                    self.playing = None;
                    if let Some(after) = self.bye_reply {
                        let at = self.now - self.start + after;
                        self.script.push((at, Event::HangupDone));
                    }
                }
                Action::Finished(end) => {
                    assert!(self.end.is_none(), "Finished emitted twice");
                    self.end = Some(end.clone());
                }
                Action::Progress(_) => {}
            }
            self.log.push((t, action));
        }
    }

    fn deliver(&mut self, event: Event) {
        let now = self.now;
        match event {
            Event::Provisional(code) => self.flow.handle_provisional(now, code),
            Event::Answer => self.flow.handle_answered(now),
            Event::Fail(f) => self.flow.handle_dial_failed(now, f),
            Event::RemoteHangup => {
                self.playing = None;
                self.flow.handle_remote_hangup(now)
            }
            // A character that is no DTMF key cannot become a `Digit`: it never reaches
            // the flow, as a press nobody can send.
            Event::Dtmf(c) => {
                if let Some(d) = voice_otp_call::Digit::from_char(c) {
                    self.flow.handle_dtmf(now, d);
                }
            }
            Event::Shutdown => self.flow.handle_shutdown(now),
            Event::MediaError => self.flow.handle_media_error(now),
            Event::HangupDone => self.flow.handle_hangup_done(now),
        }
    }

    /// Runs the call until `Finished` (or until `limit` after the INVITE) and returns it.
    pub(crate) fn run(&mut self) -> FlowEnd {
        self.run_until(Duration::from_secs(3600))
            .expect("the flow finished")
    }

    /// Runs until `Finished` or until virtual time passes `limit`.
    pub(crate) fn run_until(&mut self, limit: Duration) -> Option<FlowEnd> {
        self.drain();
        for _ in 0..100_000 {
            if self.end.is_some() {
                // Nothing may follow Finished.
                assert_eq!(self.flow.poll_action(), None);
                assert_eq!(self.flow.poll_timeout(), None);
                return self.end.clone();
            }
            let next_script = self.script.iter().map(|(at, _)| self.start + *at).min();
            let next_play = if self.stall_playback {
                None
            } else {
                self.playing.map(|(_, until)| until)
            };
            let next = [next_script, next_play, self.flow.poll_timeout()]
                .into_iter()
                .flatten()
                .min()?;
            if next - self.start > limit {
                return None;
            }
            assert!(next >= self.now, "time went backwards");
            self.now = next;
            // Scripted events at this instant first, in script order.
            while let Some(i) = self
                .script
                .iter()
                .position(|(at, _)| self.start + *at <= self.now)
            {
                let (_, event) = self.script.remove(i);
                self.deliver(event);
                self.drain();
            }
            if let Some((play, until)) = self.playing
                && !self.stall_playback
                && until <= self.now
            {
                self.playing = None;
                self.flow.handle_playback_finished(self.now, play.id);
                self.drain();
            }
            if self.flow.poll_timeout().is_some_and(|t| t <= self.now) {
                self.flow.handle_timeout(self.now);
                self.drain();
            }
        }
        panic!("the flow did not settle in 100000 steps");
    }

    /// The segments played, with the offset (ms) each started at.
    pub(crate) fn plays(&self) -> Vec<(u64, Segment)> {
        self.log
            .iter()
            .filter_map(|(t, a)| match a {
                Action::Play(p) => Some((*t, p.segment)),
                _ => None,
            })
            .collect()
    }

    /// Just the segments played, in order.
    pub(crate) fn segments(&self) -> Vec<Segment> {
        self.plays().into_iter().map(|(_, s)| s).collect()
    }

    /// The live states reported, in order.
    pub(crate) fn progress(&self) -> Vec<LiveState> {
        self.log
            .iter()
            .filter_map(|(_, a)| match a {
                Action::Progress(s) => Some(*s),
                _ => None,
            })
            .collect()
    }

    /// Offsets (ms) at which an action matching `pred` was polled.
    pub(crate) fn times_of(&self, pred: impl Fn(&Action) -> bool) -> Vec<u64> {
        self.log
            .iter()
            .filter(|(_, a)| pred(a))
            .map(|(t, _)| *t)
            .collect()
    }

    /// Offset (ms) of an instant.
    pub(crate) fn ms_of(&self, at: Instant) -> u64 {
        (at - self.start).as_millis() as u64
    }
}
