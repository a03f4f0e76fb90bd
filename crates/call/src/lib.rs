//! voice-otp call crate (work in progress).
