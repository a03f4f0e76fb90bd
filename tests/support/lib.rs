//! Helpers shared by the end-to-end tests in `tests/e2e/` (one test binary, `tests/e2e/main.rs`)
//! and the load example in `examples/`.
//!
//! - [`e2e`]: the harness: the real `voice-otp serve` process, SIPp as the trunk, signed
//!   callbacks checked, every process killed on drop and every wait bounded.
//! - [`phone`]: the built-in phone as the trunk, pressing keys.
//! - [`callback_receiver`]: a real HTTP callback receiver (also included by path by the
//!   daemon crate's tests, which cannot depend on this package).

pub mod callback_receiver;
pub mod e2e;
pub mod phone;

use std::path::PathBuf;

/// The repository root (where `audio/`, `fixtures/` and `Makefile` live).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Path of the built `voice-otp` binary next to the running test executable
/// (`target/<profile>/voice-otp`). `make test` builds it before the tests run; when it is
/// missing this panics with the command that builds it.
pub fn voice_otp_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current test executable");
    // target/<profile>/deps/<test> -> target/<profile>/voice-otp
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test executable lives in target/<profile>/deps");
    let bin = profile_dir.join("voice-otp");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p voice-otp-daemon --bin voice-otp` (make test does)",
        bin.display()
    );
    bin
}
