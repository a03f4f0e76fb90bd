//! The subcommands of the `voice-otp` binary, one module each.
//!
//! Every module exposes a clap `Args` struct and `run(args) -> Result<(), CommandError>`.

pub mod audio;
pub mod demo;
pub mod dtmf;
pub mod say;
pub mod serve;

/// What a command reports on failure: printed as one line on stderr, exit code 1.
pub type CommandError = Box<dyn std::error::Error + Send + Sync>;

/// Keeps the codes (and tokens, passwords) this process holds out of core dumps: marks it
/// not dumpable (`PR_SET_DUMPABLE` 0: no core dump on a crash, and its `/proc/<pid>/mem`
/// and ptrace are closed to other processes of the same user) and sets its core file
/// size limit to 0. Called first thing, before any secret is read.
pub fn forbid_core_dumps() -> std::io::Result<()> {
    use rustix::process::{DumpableBehavior, Resource, Rlimit};
    rustix::process::set_dumpable_behavior(DumpableBehavior::NotDumpable)?;
    let zero = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    rustix::process::setrlimit(Resource::Core, zero)?;
    Ok(())
}
