//! The call flow of one voice-otp call.
//!
//! - [`flow`]: the flow of one OTP or Notification call (spec section 4b) as a sans-IO
//!   state machine, [`CallFlow`]: `handle_*` feeds what happened, `poll_action` drains
//!   what to do, `poll_timeout` says when to call `handle_timeout`.
//! - [`runner`]: [`CallRunner`](runner::CallRunner), the tokio [`CallExecutor`] that
//!   drives one flow per call over the SIP endpoint, the RTP engine and the renderer.
//! - [`CallSpec`], [`CallOutcome`], [`CallExecutor`]: what the daemon hands to a call, what
//!   it gets back, and the trait it places calls through.

mod error;
pub mod flow;
mod keypress;
pub mod runner;
mod spec;
pub mod trunks;

pub use error::Error;
pub use flow::{
    Action, CallFlow, DialFailure, EndCause, FlowConfig, FlowEnd, Play, PlayId, Segment,
};
pub use keypress::keypress_prompt;
pub use spec::{
    CallEnd, CallExecutor, CallKind, CallOutcome, CallSettings, CallSpec, CollectRules,
    CollectedInput, DEFAULT_REPLAY_WAIT, DigitPattern, InputStatus, KeypressCheck, LiveState,
    OtpCode, ProgressFn, ResultCode,
};
/// A key and the keys of a call, as the DTMF crate types them (re-exported for the daemon).
pub use voice_otp_dtmf::{Digit, Keys};
