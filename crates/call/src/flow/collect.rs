//! Digit collection (CM's Request DTMF app, and the `require-keypress` check before an OTP
//! reading): prompt, listen, validate, retry.
//!
//! A [`Collector`] is the part of a [`CallFlow`](super::CallFlow) that runs while an answered
//! call asks for digits. It does no IO and reads no clock: the flow feeds it the `now` of
//! each input and turns the [`Step`]s it returns into actions. One attempt is: the input
//! prompt (a key during it stops it: barge-in), then keys until `max-digits` keys, a
//! terminator key, or `timeout` without a key (the timer restarts at every key). An entry
//! that is too short or does not match the pattern uses up the attempt: the invalid prompt
//! plays (keys during it are discarded, so a callee who keeps typing does not start the
//! next attempt half-way) and the input prompt starts the next one.

use std::time::Instant;

use voice_otp_dtmf::{Digit, Keys};

use super::{Action, CallFlow, EndCause, FlowConfig, Next, Segment};
use crate::error::Error;
use crate::spec::{CollectRules, CollectedInput, DigitPattern, InputStatus};

/// What the flow must do after feeding the collector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Nothing to start; keep waiting (for keys, the deadline or the playing segment).
    Wait,
    /// Start playing this segment.
    Play(Segment),
    /// Collection is over with this result.
    Done(CollectedInput),
}

/// Where an attempt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// The input prompt plays; a key stops it and starts the entry.
    Prompt,
    /// Listening for keys until `until`.
    Listening { until: Instant },
    /// The invalid prompt plays after a failed attempt; keys are discarded.
    Invalid,
    /// Collection has ended.
    Over,
}

/// The digit collection of one call.
#[derive(Debug)]
pub(crate) struct Collector {
    rules: CollectRules,
    /// Played at the start of each attempt.
    prompt: Segment,
    /// Played after a failed attempt, if there is one.
    invalid_prompt: Option<Segment>,
    stage: Stage,
    /// Attempts started so far (1-based once started).
    attempts: u8,
    /// Keys of the current attempt (terminators excluded).
    entry: Keys,
    /// How the last finished attempt ended, while more attempts may follow.
    last: Option<InputStatus>,
    result: Option<CollectedInput>,
}

impl Collector {
    pub(crate) fn new(
        rules: CollectRules,
        prompt: Segment,
        invalid_prompt: Option<Segment>,
    ) -> Self {
        Collector {
            rules,
            prompt,
            invalid_prompt,
            stage: Stage::Over,
            attempts: 0,
            entry: Keys::new(),
            last: None,
            result: None,
        }
    }

    /// Starts the first attempt: the input prompt to play.
    pub(crate) fn start(&mut self) -> Segment {
        self.attempts = 0;
        self.next_attempt();
        self.prompt
    }

    /// Whether the first attempt has started.
    pub(crate) fn started(&self) -> bool {
        self.attempts > 0
    }

    /// When the flow must call [`Collector::timeout`], if the collector is listening.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match self.stage {
            Stage::Listening { until } => Some(until),
            _ => None,
        }
    }

    /// Whether the input prompt is playing (a key then stops it: barge-in).
    pub(crate) fn prompting(&self) -> bool {
        self.stage == Stage::Prompt
    }

    /// The segment the collector was waiting on has played to its end.
    pub(crate) fn playback_finished(&mut self, now: Instant) -> Step {
        match self.stage {
            Stage::Prompt => {
                self.listen(now);
                Step::Wait
            }
            Stage::Invalid => match self.last {
                Some(status) if self.attempts >= self.rules.max_attempts => self.finish(status),
                _ => self.next_attempt(),
            },
            Stage::Listening { .. } | Stage::Over => Step::Wait,
        }
    }

    /// A key was pressed (the flow has already stopped the prompt if it was playing).
    pub(crate) fn digit(&mut self, now: Instant, digit: Digit) -> Step {
        match self.stage {
            Stage::Prompt | Stage::Listening { .. } => {}
            Stage::Invalid | Stage::Over => return Step::Wait,
        }
        if self.rules.terminators.as_slice().contains(&digit) {
            return self.end_entry();
        }
        self.entry.push(digit);
        if self.entry.len() >= usize::from(self.rules.max_digits) {
            return self.end_entry();
        }
        self.listen(now);
        Step::Wait
    }

    /// A deadline from [`Collector::deadline`] passed.
    pub(crate) fn timeout(&mut self, now: Instant) -> Step {
        match self.stage {
            Stage::Listening { until } if now >= until => self.end_entry(),
            _ => Step::Wait,
        }
    }

    /// The result so far: final once collection is over, `Incomplete` with the keys of
    /// the current attempt when the call ended first.
    pub(crate) fn outcome(&self) -> CollectedInput {
        self.result.clone().unwrap_or_else(|| CollectedInput {
            digits: self.entry.clone(),
            status: InputStatus::Incomplete,
            attempts: self.attempts,
        })
    }

    fn listen(&mut self, now: Instant) {
        self.stage = Stage::Listening {
            until: now + self.rules.timeout,
        };
    }

    /// Starts an attempt: the input prompt plays again.
    fn next_attempt(&mut self) -> Step {
        self.attempts += 1;
        self.entry = Keys::new();
        self.stage = Stage::Prompt;
        Step::Play(self.prompt)
    }

    /// The entry of this attempt is complete: accept it, or retry, or give up.
    fn end_entry(&mut self) -> Step {
        let status = self.judge();
        if status == InputStatus::Valid {
            return self.finish(status);
        }
        self.last = Some(status);
        if let Some(segment) = self.invalid_prompt {
            self.stage = Stage::Invalid;
            Step::Play(segment)
        } else if self.attempts >= self.rules.max_attempts {
            self.finish(status)
        } else {
            self.next_attempt()
        }
    }

    fn judge(&self) -> InputStatus {
        if self.entry.is_empty() {
            return InputStatus::NoInput;
        }
        let long_enough = self.entry.len() >= usize::from(self.rules.min_digits);
        let matches = self
            .rules
            .pattern
            .as_ref()
            .is_none_or(|p| p.is_match(&self.entry.to_string()));
        if long_enough && matches {
            InputStatus::Valid
        } else {
            InputStatus::Invalid
        }
    }

    fn finish(&mut self, status: InputStatus) -> Step {
        self.stage = Stage::Over;
        let input = CollectedInput {
            digits: std::mem::take(&mut self.entry),
            status,
            attempts: self.attempts,
        };
        self.result = Some(input.clone());
        Step::Done(input)
    }
}

/// The flow's side of collection.
impl CallFlow {
    /// A key during collection: it stops the input prompt (barge-in) and goes to the
    /// collector.
    pub(super) fn collect_digit(&mut self, now: Instant, digit: Digit) {
        let Some(collector) = self.collector.as_mut() else {
            return;
        };
        if collector.prompting() && self.playing.take().is_some() {
            self.actions.push_back(Action::StopPlayback);
        }
        let step = collector.digit(now, digit);
        self.collect_step(now, step);
    }

    /// Carries out what the collector asked for. Request DTMF: a valid entry gets the
    /// valid prompt (the outro) before the hang-up. Keypress check: the right key starts
    /// the first reading. Any other ending hangs up at once, unread, the invalid prompt
    /// (if any) having already played.
    pub(super) fn collect_step(&mut self, now: Instant, step: Step) {
        match step {
            Step::Wait => {}
            Step::Play(segment) => self.play(segment),
            Step::Done(input) if input.status == InputStatus::Valid => {
                if self.config.collect.is_some() {
                    self.after_gap(now, Next::Outro);
                } else {
                    self.keypress_passed = true;
                    self.after_gap(now, Next::Reading);
                }
            }
            Step::Done(_) => self.hangup(now, EndCause::Completed),
        }
    }
}

/// The collector of a call, if it has one: Request DTMF's rules, or the keypress check (one
/// key, the daemon's digit, two tries of `replay_wait` each, no invalid prompt). Boxed, so
/// that other calls do not pay for its state.
pub(super) fn collector_of(config: &FlowConfig) -> Result<Option<Box<Collector>>, Error> {
    let collector = match (&config.collect, config.keypress) {
        (Some(rules), _) => Collector::new(
            rules.clone(),
            Segment::CodePrompt,
            config.invalid_prompt.then_some(Segment::InvalidPrompt),
        ),
        (None, Some(digit)) => {
            let rules = CollectRules {
                min_digits: 1,
                max_digits: 1,
                max_attempts: 2,
                timeout: config.replay_wait,
                terminators: Keys::new(),
                pattern: Some(DigitPattern::new(&regex::escape(&digit.to_string()))?),
            };
            Collector::new(rules, Segment::KeypressPrompt, None)
        }
        (None, None) => return Ok(None),
    };
    Ok(Some(Box::new(collector)))
}
