//! What the daemon hands to a call (`CallSpec`) and what it gets back (`CallOutcome`).

use std::time::{Duration, SystemTime};

use voice_otp_dtmf::Keys;
use voice_otp_media::{CodeType, PromptSource, Voice};

use crate::flow::{DEFAULT_ENDING_TIMEOUT, DEFAULT_MAX_DURATION, EndCause};

/// The app a call belongs to; decides the finished event's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CallKind {
    /// `POST /voiceapi/v2/OTP`: reads a code.
    Otp,
    /// `POST /voiceapi/v2/Notification`: plays a prompt, no code.
    Notification,
    /// `POST /voiceapi/v2/DTMF` (CM's Request DTMF app): plays a prompt and collects keys.
    Dtmf,
}

/// How a Request DTMF call collects keys (CM's `min-digits`, `max-digits`,
/// `max-attempts`, `timeout`, `terminators` and `regex`), validated by the daemon.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CollectRules {
    /// An entry shorter than this is invalid (at least 1).
    pub min_digits: u8,
    /// The entry ends by itself when it has this many keys.
    pub max_digits: u8,
    /// Attempts (input prompt + entry) before giving up, at least 1.
    pub max_attempts: u8,
    /// How long to wait for the first key after the prompt and for each next key.
    pub timeout: Duration,
    /// Keys that end the entry; they are not part of it.
    pub terminators: Keys,
    /// The whole entry must match this, when given.
    pub pattern: Option<DigitPattern>,
}

/// A client's `regex` for a Request DTMF entry, compiled once by the daemon and matched
/// against the whole entry. Rust's `regex` runs in time linear in the input, and the
/// compiled size is bounded, so a hostile pattern costs neither CPU nor memory.
#[derive(Debug, Clone)]
pub struct DigitPattern {
    source: String,
    regex: regex::Regex,
}

/// The most memory a compiled pattern may take.
const PATTERN_SIZE_LIMIT: usize = 256 * 1024;

impl DigitPattern {
    /// Compiles `source` anchored at both ends (`^(?:source)$`).
    pub fn new(source: &str) -> Result<Self, crate::Error> {
        let regex = regex::RegexBuilder::new(&format!("^(?:{source})$"))
            .size_limit(PATTERN_SIZE_LIMIT)
            .dfa_size_limit(PATTERN_SIZE_LIMIT)
            .build()
            .map_err(|_| crate::Error::Pattern)?;
        Ok(DigitPattern {
            source: source.to_owned(),
            regex,
        })
    }

    /// The pattern as the client gave it.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the whole of `entry` matches.
    pub fn is_match(&self, entry: &str) -> bool {
        self.regex.is_match(entry)
    }
}

/// A pattern serializes as its source (a sealed call spec carries it to another node).
impl serde::Serialize for DigitPattern {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

/// Re-compiled from its source with the same limits as [`DigitPattern::new`], so a
/// stored pattern is no more expensive than one from a request.
impl<'de> serde::Deserialize<'de> for DigitPattern {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let source = String::deserialize(deserializer)?;
        DigitPattern::new(&source).map_err(serde::de::Error::custom)
    }
}

/// Two patterns are equal when their sources are.
impl PartialEq for DigitPattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for DigitPattern {}

/// How the digit collection of a Request DTMF call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputStatus {
    /// An entry met every rule.
    Valid,
    /// The last attempt's entry was too short or did not match the pattern.
    Invalid,
    /// The last attempt timed out (or was terminated) with no key at all.
    NoInput,
    /// The call ended (hang-up, maximum duration, shutdown) before an entry was judged.
    Incomplete,
}

impl InputStatus {
    /// The name sent in the finished event (`valid`, `invalid`, `no-input`, `incomplete`).
    pub fn as_str(self) -> &'static str {
        match self {
            InputStatus::Valid => "valid",
            InputStatus::Invalid => "invalid",
            InputStatus::NoInput => "no-input",
            InputStatus::Incomplete => "incomplete",
        }
    }

    /// Inverse of [`InputStatus::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [
            InputStatus::Valid,
            InputStatus::Invalid,
            InputStatus::NoInput,
            InputStatus::Incomplete,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// How the `require-keypress` check of an OTP call went (the `keypress-check` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeypressCheck {
    /// The callee pressed the key; the code was read.
    Passed,
    /// No key, or the wrong key, twice (or the call ended first): the code was not read.
    Failed,
    /// The call had no check.
    NotRequired,
}

impl KeypressCheck {
    /// The name sent in the finished event (`passed`, `failed`, `not-required`).
    pub fn as_str(self) -> &'static str {
        match self {
            KeypressCheck::Passed => "passed",
            KeypressCheck::Failed => "failed",
            KeypressCheck::NotRequired => "not-required",
        }
    }

    /// Inverse of [`KeypressCheck::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [
            KeypressCheck::Passed,
            KeypressCheck::Failed,
            KeypressCheck::NotRequired,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// What a Request DTMF call collected. The keys may be a PIN: they go to the finished
/// event and the CDR only, never to a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct CollectedInput {
    /// The keys of the last attempt (terminator excluded).
    pub digits: Keys,
    /// How collection ended.
    pub status: InputStatus,
    /// Attempts started.
    pub attempts: u8,
}

/// Redacts the keys, so a `{:?}` of an outcome cannot put a PIN in a log.
impl std::fmt::Debug for CollectedInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectedInput")
            .field("digits", &format_args!("<{} keys>", self.digits.len()))
            .field("status", &self.status)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// The one-time password to read: defined beside the renderer that reads it; redacted in
/// `Debug`/`Display` and wiped from memory when each copy (one per callee's spec) drops.
pub use voice_otp_media::OtpCode;

/// Everything one outbound call needs, built by the daemon from a validated request.
/// One instruction with several callees makes one `CallSpec` per callee.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CallSpec {
    /// Our call id (a UUID), the key of the CDR and of the finished event.
    pub call_id: String,
    /// The client's `instruction-id`, echoed in events and CDRs.
    pub instruction_id: Option<String>,
    /// OTP or Notification.
    pub kind: CallKind,
    /// E.164 number dialled, such as `+447700900123`.
    pub callee: String,
    /// E.164 caller ID to present.
    pub caller: String,
    /// Hide the caller ID (RFC 3323 `Privacy: id`).
    pub anonymous: bool,
    /// How long to ring before cancelling (`max-ringing-timeout`).
    pub ring_timeout: Duration,
    /// Played once on answer.
    pub intro: Option<PromptSource>,
    /// Played before every reading of the code (for Notification: the `prompt` itself).
    pub code_prompt: Option<PromptSource>,
    /// Offered after a reading while replays remain.
    pub replay_prompt: Option<PromptSource>,
    /// Played once before hanging up.
    pub outro: Option<PromptSource>,
    /// The code to read; `None` for Notification calls.
    pub code: Option<OtpCode>,
    /// How the characters are spoken.
    pub code_type: CodeType,
    /// Request DTMF calls: how keys are collected after `code_prompt` (the `prompt`);
    /// `outro` is then CM's `valid-prompt`, played only after a valid entry.
    pub collect: Option<CollectRules>,
    /// Request DTMF calls: CM's `invalid-prompt`, played after each failed attempt.
    pub invalid_prompt: Option<PromptSource>,
    /// `require-keypress` (OTP calls): the key the callee must press before the code is
    /// read, 2 to 9, drawn by the daemon from a CSPRNG. The call says "press N to hear
    /// your code" in its language first.
    pub keypress: Option<voice_otp_dtmf::Digit>,
    /// TTS voice, language of the spelling set, and volume.
    pub voice: Voice,
    /// How many extra readings the callee may ask for (0 to 3).
    pub max_replays: u8,
    /// Replay without waiting for a key press.
    pub auto_replay: bool,
    /// The daemon's settings for every call (from its configuration), carried with the
    /// call so the flow gets them by this one route.
    pub settings: CallSettings,
}

/// The settings every call gets from the daemon's configuration (`[calls]`): built once
/// from it, copied into each [`CallSpec`] and from there into the call's
/// [`FlowConfig`](crate::FlowConfig). A request cannot change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallSettings {
    /// How long to wait for a key after the replay prompt (`replay-wait`).
    pub replay_wait: Duration,
    /// Hang up an answered call after this long (`max-call-duration`).
    pub max_duration: Duration,
    /// Stop waiting for a CANCEL or BYE to complete after this long.
    pub ending_timeout: Duration,
    /// Silence between segments that follow each other on their own: the renderer's
    /// `prompt_gap`, so calls sound like `voice-otp say`.
    pub prompt_gap: Duration,
    /// `require-keypress` for OTP requests that do not say (`[calls] require-keypress`);
    /// the digit itself travels in [`CallSpec::keypress`].
    pub require_keypress: bool,
}

/// How long to wait for a key after the replay prompt unless configured.
pub const DEFAULT_REPLAY_WAIT: Duration = Duration::from_secs(5);

impl Default for CallSettings {
    fn default() -> Self {
        CallSettings {
            replay_wait: DEFAULT_REPLAY_WAIT,
            max_duration: DEFAULT_MAX_DURATION,
            ending_timeout: DEFAULT_ENDING_TIMEOUT,
            prompt_gap: voice_otp_media::DEFAULT_PROMPT_GAP,
            require_keypress: false,
        }
    }
}

/// Result codes of the finished event (spec section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultCode {
    /// 9: no answer before the ring timeout, or cancelled.
    Cancelled,
    /// 10: the call was answered.
    Finished,
    /// 11: error, timeout, no route, 5xx.
    Failed,
    /// 12: busy, declined, 4xx/6xx from the far end.
    Rejected,
}

impl ResultCode {
    /// The number sent as `result.code`.
    pub fn code(self) -> u8 {
        match self {
            ResultCode::Cancelled => 9,
            ResultCode::Finished => 10,
            ResultCode::Failed => 11,
            ResultCode::Rejected => 12,
        }
    }

    /// The text sent as `result.description`.
    pub fn description(self) -> &'static str {
        match self {
            ResultCode::Cancelled => "Cancelled",
            ResultCode::Finished => "Finished",
            ResultCode::Failed => "Failed",
            ResultCode::Rejected => "Rejected",
        }
    }

    /// The result for a code read back from the store.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            9 => Some(ResultCode::Cancelled),
            10 => Some(ResultCode::Finished),
            11 => Some(ResultCode::Failed),
            12 => Some(ResultCode::Rejected),
            _ => None,
        }
    }
}

/// How a call ended: everything the CDR and the finished event need, with its times as
/// `T`. The flow reports it in its own monotonic time ([`FlowEnd`](crate::FlowEnd), `T` =
/// [`Instant`]); the runner hands the daemon the same figures in wall-clock time
/// ([`CallOutcome`], `T` = [`SystemTime`]). Never holds the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallEnd<T> {
    /// The result code.
    pub result: ResultCode,
    /// Why the call ended (for logs and tests; the CDR carries `result`).
    pub cause: EndCause,
    /// When the INVITE was sent.
    pub started_on: T,
    /// When the 2xx arrived, if the call was answered.
    pub answered_on: Option<T>,
    /// When the call ended (BYE/CANCEL done, final failure, or remote BYE).
    pub ended_on: T,
    /// How often the code (or the Notification prompt) was read to the end.
    pub code_read_count: u32,
    /// How many replays were played (readings started after the first one).
    pub replays: u32,
    /// Every key the callee pressed after answer, in order (printed as `0-9*#A-D`).
    pub dtmf: Keys,
    /// What a Request DTMF call collected; `None` for other apps and unanswered calls.
    pub input: Option<CollectedInput>,
    /// How the `require-keypress` check went.
    pub keypress_check: KeypressCheck,
    /// The SIP status that ended the call (200 for a normal hang-up), if any.
    pub sip_code: Option<u16>,
    /// Its reason phrase.
    pub sip_reason: Option<String>,
}

/// How a call ended, in wall-clock time: what [`CallExecutor::execute`] returns.
pub type CallOutcome = CallEnd<SystemTime>;

impl<T> CallEnd<T> {
    /// The same figures with each time mapped by `to` (the runner's monotonic-to-wall
    /// clock); nothing else is touched, so no field can be forgotten on the way.
    pub fn map_times<U>(self, to: impl Fn(T) -> U) -> CallEnd<U> {
        CallEnd {
            result: self.result,
            cause: self.cause,
            started_on: to(self.started_on),
            answered_on: self.answered_on.map(&to),
            ended_on: to(self.ended_on),
            code_read_count: self.code_read_count,
            replays: self.replays,
            dtmf: self.dtmf,
            input: self.input,
            keypress_check: self.keypress_check,
            sip_code: self.sip_code,
            sip_reason: self.sip_reason,
        }
    }
}

impl CallOutcome {
    /// The outcome of a call that never reached the wire (not rendered, not dialled, the
    /// daemon stopping, the runner gone): nothing answered, read or pressed, and `why`
    /// where a SIP reason phrase would be.
    pub fn not_dialled(
        result: ResultCode,
        started_on: SystemTime,
        ended_on: SystemTime,
        why: &str,
    ) -> Self {
        CallOutcome {
            result,
            cause: EndCause::NotDialled,
            started_on,
            answered_on: None,
            ended_on,
            code_read_count: 0,
            replays: 0,
            dtmf: Keys::new(),
            input: None,
            keypress_check: KeypressCheck::NotRequired,
            sip_code: None,
            sip_reason: Some(why.to_owned()),
        }
    }
}

/// Where a call is now, for `GET /v1/calls/{id}` while it is live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiveState {
    /// Accepted, waiting for a free slot under `max-concurrent`.
    Queued,
    /// INVITE sent, no provisional response yet.
    Dialling,
    /// 180/183 received.
    Ringing,
    /// 2xx received; prompts and code are playing.
    Answered,
    /// Hanging up (BYE or CANCEL sent).
    Ending,
}

impl LiveState {
    /// Lower-case name used in the API (`"queued"`, `"dialling"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            LiveState::Queued => "queued",
            LiveState::Dialling => "dialling",
            LiveState::Ringing => "ringing",
            LiveState::Answered => "answered",
            LiveState::Ending => "ending",
        }
    }
}

/// Receives live-state changes of one call (called from the call's task; must not block).
pub type ProgressFn = Box<dyn Fn(LiveState) + Send + Sync>;

/// Places calls. The daemon owns one and calls [`CallExecutor::execute`] once per callee,
/// bounded by `max-concurrent`; the returned future resolves when the call has ended, with
/// the outcome to record. It never fails: every ending, errors included, is an outcome.
///
/// `shutdown` turns `true` when the daemon stops: a live call then hangs up (BYE, or CANCEL
/// while ringing) and resolves promptly with the result recorded.
pub trait CallExecutor: Send + Sync + 'static {
    /// Runs one call to its end.
    fn execute(
        &self,
        spec: CallSpec,
        progress: ProgressFn,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = CallOutcome> + Send + 'static>>;
}
