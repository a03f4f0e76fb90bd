//! voice-otp sip crate (work in progress).
