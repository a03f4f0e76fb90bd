//! voice-otp dtmf crate (work in progress).
