//! espeak-ng gets an empty environment (plus `ESPEAK_DATA_PATH` when the daemon has one):
//! nothing of the daemon's environment, tokens and secrets included, reaches it.

use std::time::Duration;

use voice_otp_media::EspeakNg;
use voice_otp_media::wav::encode_wav;

use crate::common::{script, synthesize_script};

#[test]
fn the_engine_sees_no_variable_of_the_daemon() {
    assert!(
        std::env::var_os("PATH").is_some(),
        "the test needs a parent environment to leak"
    );
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("tone.wav");
    std::fs::write(&wav, encode_wav(&[1000; 800])).unwrap();
    let dump = dir.path().join("env.txt");
    let engine = script(
        dir.path(),
        "engine",
        &format!(
            "/usr/bin/env > {}\n/bin/cat {}",
            dump.display(),
            wav.display()
        ),
    );
    let samples = synthesize_script(
        &EspeakNg::with_program(&engine),
        "hello",
        Duration::from_secs(120),
    )
    .unwrap();
    assert_eq!(samples.len(), 800);
    let env = std::fs::read_to_string(&dump).unwrap();
    for line in env.lines() {
        let name = line.split('=').next().unwrap();
        // PWD is set by the script's own shell.
        assert!(
            matches!(name, "PWD" | "ESPEAK_DATA_PATH"),
            "the engine saw {name}: {env}"
        );
    }
}
