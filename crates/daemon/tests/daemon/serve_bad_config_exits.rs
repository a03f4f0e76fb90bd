//! `voice-otp serve` with a bad configuration exits non-zero with one line on stderr that
//! names the key, before binding anything.

use std::process::Command;

fn serve(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_voice-otp"));
    cmd.arg("serve").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_config_is_one_line_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("voice-otp.toml");
    std::fs::write(&file, "[calls]\nmax-concurrent = -3\n").unwrap();
    let (code, err) = serve(&["--config", file.to_str().unwrap()], &[]);
    assert_ne!(code, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("[calls] max-concurrent"), "{err}");

    let (code, err) = serve(&[], &[("VOICE_OTP_SIP_TRANSPORT", "carrier-pigeon")]);
    assert_ne!(code, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("[sip] transport"), "{err}");

    let missing = dir.path().join("nope.toml");
    let (code, err) = serve(&["--config", missing.to_str().unwrap()], &[]);
    assert_ne!(code, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("nope.toml"), "{err}");
}
