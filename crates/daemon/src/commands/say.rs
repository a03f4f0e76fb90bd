//! `voice-otp say` (work in progress).

use super::CommandError;

/// Command-line arguments of `voice-otp say`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `voice-otp say`.
pub fn run(_args: Args) -> Result<(), CommandError> {
    Err("not implemented yet".into())
}
