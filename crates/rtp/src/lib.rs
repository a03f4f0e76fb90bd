//! voice-otp rtp crate (work in progress).
