//! The `voice-otp` binary: `serve`, `demo`, `say`, `dtmf` and `audio` (spec section 6).

use clap::{Parser, Subcommand};
use voice_otp_daemon::commands;

/// Sends one-time passwords by phone over a SIP trunk.
#[derive(Debug, Parser)]
#[command(name = "voice-otp", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon: HTTP API, SIP calls, CDR store and callbacks.
    Serve(commands::serve::Args),
    /// Place one real OTP call over loopback to a built-in phone; record what it heard.
    Demo(commands::demo::Args),
    /// Render exactly the audio a call streams for one reading to an 8 kHz mono 16-bit WAV.
    Say(commands::say::Args),
    /// Manage spelling sets: `audio import-asterisk DIR --lang xx-YY [--gender Male]`.
    Audio(commands::audio::Args),
    /// Run the in-band DTMF detector on a WAV; prints `<start_ms>\t<digit>` per digit.
    Dtmf(commands::dtmf::Args),
}

fn main() {
    if let Err(err) = commands::forbid_core_dumps() {
        eprintln!("voice-otp: cannot keep this process out of core dumps: {err}");
        std::process::exit(1);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Say(args) => commands::say::run(args),
        Command::Dtmf(args) => commands::dtmf::run(args),
        Command::Audio(args) => commands::audio::run(args),
    };
    if let Err(err) = result {
        eprintln!("voice-otp: {err}");
        std::process::exit(1);
    }
}
