//! The voice-otp daemon: HTTP API, configuration, store, callbacks and the commands of the
//! `voice-otp` binary.

pub mod commands;
