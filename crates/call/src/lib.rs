//! The call flow of one voice-otp call (work in progress).

mod spec;

pub use spec::{
    CallExecutor, CallKind, CallOutcome, CallSpec, LiveState, OtpCode, ProgressFn, ResultCode,
};
