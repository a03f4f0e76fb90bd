//! `voice-otp demo --press` with a key that is not DTMF fails at once with a one-line
//! error naming the key, and places no call.

use std::process::Command;

#[test]
fn non_dtmf_key_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("heard.wav");
    let output = Command::new(env!("CARGO_BIN_EXE_voice-otp"))
        .args(["demo", "--press", "1x", "--out"])
        .arg(&out)
        .output()
        .expect("voice-otp runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("'x' is not a DTMF key"), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(!out.exists(), "no recording without a call");
}
