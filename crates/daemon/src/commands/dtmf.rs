//! `voice-otp dtmf` (work in progress).

use super::CommandError;

/// Command-line arguments of `voice-otp dtmf`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `voice-otp dtmf`.
pub fn run(_args: Args) -> Result<(), CommandError> {
    Err("not implemented yet".into())
}
