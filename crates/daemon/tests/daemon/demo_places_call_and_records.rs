//! `voice-otp demo --press 1` places a real call over loopback SIP/RTP to the built-in
//! phone: the printed finished event says the code was read twice (the phone's `1`
//! replayed it once), and the WAV the phone recorded holds the spelling audio of every
//! digit of the code, as it sounds after the G.711 A-law round trip.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use voice_otp_media::{G711Law, wav};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Best normalised cross-correlation of `template` anywhere in `signal`, and where. In f64:
/// a running f32 window energy drifts over a recording this long and inflates the score.
fn best_match(signal: &[f32], template: &[f32]) -> (f32, usize) {
    let sq = |v: &f32| f64::from(*v) * f64::from(*v);
    let t_energy: f64 = template.iter().map(sq).sum();
    let mut window: f64 = signal[..template.len()].iter().map(sq).sum();
    let mut best = (0.0f64, 0usize);
    for start in 0..=signal.len() - template.len() {
        if start > 0 {
            window += sq(&signal[start + template.len() - 1]) - sq(&signal[start - 1]);
        }
        if window <= 1.0 {
            continue;
        }
        let dot: f64 = signal[start..start + template.len()]
            .iter()
            .zip(template)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum();
        let ncc = dot / (t_energy * window).sqrt();
        if ncc > best.0 {
            best = (ncc, start);
        }
    }
    (best.0 as f32, best.1)
}

#[test]
fn demo_replays_on_press_and_records_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("heard.wav");
    let output = Command::new(env!("CARGO_BIN_EXE_voice-otp"))
        .args(["demo", "--code", "4096", "--press", "1", "--out"])
        .arg(&out)
        .current_dir(repo())
        .output()
        .expect("voice-otp runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "demo failed: {stderr}");

    let event: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not the event ({e}): {stderr}"));
    assert_eq!(event["type"], "otp-finished");
    assert_eq!(event["result"]["code"], 10, "{event}");
    assert_eq!(event["replays"], 1, "{event}");
    assert_eq!(event["dtmf"], "1", "{event}");
    assert_eq!(event["code-read-count"], 2, "{event}");
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("4096"),
        "the code is never printed"
    );

    let heard = wav::read_wav_file(&out).unwrap();
    // Two readings with prompts and the replay wait: well over 8 s of audio.
    assert!(heard.len() > 8 * 8000, "only {} samples heard", heard.len());
    let signal: Vec<f32> = heard.iter().map(|&s| f32::from(s)).collect();
    let law = G711Law::Alaw;
    let template = |digit: char| -> Vec<f32> {
        let spelled =
            wav::read_wav_file(&repo().join(format!("audio/spelling/en-GB/{digit}.wav"))).unwrap();
        spelled
            .iter()
            .map(|&s| f32::from(law.decode(law.encode(s))))
            .collect()
    };
    for digit in ['4', '0', '9', '6'] {
        let t = template(digit);
        let (ncc, at) = best_match(&signal, &t);
        assert!(
            ncc > 0.9,
            "digit {digit}: best correlation {ncc:.3} at {:.2} s",
            at as f64 / 8000.0
        );
        // The replay read it again: a second match elsewhere in the recording.
        let before = if at >= t.len() {
            best_match(&signal[..at], &t).0
        } else {
            0.0
        };
        let after = if signal.len() - (at + t.len()) >= t.len() {
            best_match(&signal[at + t.len()..], &t).0
        } else {
            0.0
        };
        assert!(
            before.max(after) > 0.9,
            "digit {digit} heard once only ({before:.3} before, {after:.3} after)"
        );
    }
    // Digits not in the code are not in the recording, so the check above cannot pass on
    // any speech-like audio. The code's digits match at 1.0; the others at most about 0.71
    // with en-GB's flite awb voice, whose prompts are in the same voice ("Press 1 to hear
    // the code again" says "one"; "again" sounds like "eight").
    for digit in ['1', '2', '3', '5', '7', '8'] {
        let (ncc, _) = best_match(&signal, &template(digit));
        assert!(ncc < 0.8, "digit {digit} not in the code matched {ncc:.3}");
    }
}
