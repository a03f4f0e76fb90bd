//! What the daemon hands to a call (`CallSpec`) and what it gets back (`CallOutcome`).

use std::time::{Duration, SystemTime};

use voice_otp_dtmf::Keys;
use voice_otp_media::{CodeType, PromptSource, Voice};

use crate::flow::{DEFAULT_ENDING_TIMEOUT, DEFAULT_MAX_DURATION};

/// The app a call belongs to; decides the finished event's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallKind {
    /// `POST /voiceapi/v2/OTP`: reads a code.
    Otp,
    /// `POST /voiceapi/v2/Notification`: plays a prompt, no code.
    Notification,
}

/// The one-time password to read: defined beside the renderer that reads it; redacted in
/// `Debug`/`Display` and wiped from memory when each copy (one per callee's spec) drops.
pub use voice_otp_media::OtpCode;

/// Everything one outbound call needs, built by the daemon from a validated request.
/// One instruction with several callees makes one `CallSpec` per callee.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// How a call ended: everything the CDR and the finished event need. Never holds the code.
#[derive(Debug, Clone, PartialEq)]
pub struct CallOutcome {
    /// The result code.
    pub result: ResultCode,
    /// When the INVITE was sent.
    pub started_on: SystemTime,
    /// When the 2xx arrived, if the call was answered.
    pub answered_on: Option<SystemTime>,
    /// When the call ended (BYE/CANCEL done or final failure).
    pub ended_on: SystemTime,
    /// How often the code (or the Notification prompt) was read to the end.
    pub code_read_count: u32,
    /// How many replays were played.
    pub replays: u32,
    /// Every key the callee pressed, in order (printed as `0-9*#A-D`).
    pub dtmf: Keys,
    /// The SIP status that ended the call (200 for a normal hang-up), if any.
    pub sip_code: Option<u16>,
    /// Its reason phrase.
    pub sip_reason: Option<String>,
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
            started_on,
            answered_on: None,
            ended_on,
            code_read_count: 0,
            replays: 0,
            dtmf: Keys::new(),
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
