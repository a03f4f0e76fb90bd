//! Helpers shared by the end-to-end tests in `tests/`.

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
