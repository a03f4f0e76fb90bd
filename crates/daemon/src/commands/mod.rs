//! The subcommands of the `voice-otp` binary, one module each.
//!
//! Every module exposes a clap `Args` struct and `run(args) -> Result<(), CommandError>`.

pub mod demo;
pub mod dtmf;
pub mod say;
pub mod serve;

/// What a command reports on failure: printed as one line on stderr, exit code 1.
pub type CommandError = Box<dyn std::error::Error + Send + Sync>;
