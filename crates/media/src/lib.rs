//! voice-otp media crate (work in progress).
