//! The call flow of one voice-otp call (work in progress).

mod spec;

pub use spec::{CallKind, CallOutcome, CallSpec, OtpCode, ResultCode};
