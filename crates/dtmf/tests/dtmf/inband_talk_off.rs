//! spandsp dtmf_rx_tests "Test 8: talk-off": speech and music must not give
//! key presses. The Bellcore talk-off tapes are not free, so the speech is
//! made here with espeak-ng: many languages, voices, variants, pitches and
//! speeds, reading long texts, loud (-1 dBFS peak) and through A-law. The
//! music is seeded random chords and melodies of harmonic-rich notes.
//! The false detections per hour are printed (see docs/performance.md, DTMF section);
//! the assertion is zero.

use crate::support::*;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::process::Command;

const TEXT_EN: &str = "The quick brown fox jumps over the lazy dog, while five or six \
    big jet planes zoomed quickly by the tower. Your one time password is seven, three, \
    nine, one. Please press one to hear the code again, or hang up if you have written \
    it down. Hello? Yes, I am listening; who is calling at this hour of the night, and \
    why would anybody need a verification code from me? Ooh, aah, eee, mmm, hmm, well, \
    that is really very interesting indeed, isn't it?";
const TEXT_NL: &str = "Uw verificatiecode is vier, acht, twee, zes. Druk op een om de \
    code opnieuw te horen. Goedemiddag, met wie spreek ik? Het weer is vandaag erg mooi.";
const TEXT_DE: &str = "Ihr Bestätigungscode lautet drei, fünf, sieben, null. Drücken Sie \
    die Eins, um den Code erneut zu hören. Guten Tag, wie geht es Ihnen heute Abend?";
const TEXT_FR: &str = "Votre code de vérification est deux, quatre, six, huit. Appuyez \
    sur un pour réécouter le code. Bonjour, comment allez-vous aujourd'hui, madame?";
const TEXT_ES: &str = "Su código de verificación es nueve, ocho, siete, seis. Pulse uno \
    para escuchar el código de nuevo. Buenas tardes, ¿cómo está usted hoy, señor?";

/// (voice, text, pitch 0-99, words per minute)
fn clips() -> Vec<(String, &'static str, u32, u32)> {
    let mut out = Vec::new();
    let variants = [
        "",
        "+m1",
        "+m3",
        "+m5",
        "+m7",
        "+f1",
        "+f2",
        "+f3",
        "+f4",
        "+f5",
        "+klatt",
        "+klatt3",
        "+croak",
        "+Andy",
        "+belinda",
        "+grandma",
        "+Storm",
        "+UniRobot",
    ];
    let voices: [(&str, &str); 12] = [
        ("en-us", TEXT_EN),
        ("en-gb", TEXT_EN),
        ("en-gb-scotland", TEXT_EN),
        ("nl", TEXT_NL),
        ("de", TEXT_DE),
        ("fr-fr", TEXT_FR),
        ("es", TEXT_ES),
        ("it", TEXT_EN),
        ("pt-br", TEXT_ES),
        ("pl", TEXT_EN),
        ("cmn", TEXT_EN),
        ("hi", TEXT_EN),
    ];
    let pitches = [10, 35, 50, 70, 95];
    let speeds = [120, 170, 230];
    for (i, (voice, text)) in voices.iter().enumerate() {
        for j in 0..4 {
            let n = i * 4 + j;
            let variant = variants[n % variants.len()];
            out.push((
                format!("{voice}{variant}"),
                *text,
                pitches[n % pitches.len()],
                speeds[n % speeds.len()],
            ));
        }
    }
    out
}

fn speak(voice: &str, text: &str, pitch: u32, wpm: u32) -> Vec<i16> {
    let cmd = format!(
        "espeak-ng -v '{voice}' -p {pitch} -s {wpm} --stdout \"$TEXT\" | \
         sox -q -t wav - -r 8000 -c 1 -b 16 -e signed-integer -t raw - gain -n -1"
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .env("TEXT", text)
        .output()
        .expect("espeak-ng and sox are installed (scripts/install-deps.sh)");
    assert!(
        out.status.success(),
        "espeak-ng/sox failed for {voice}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pcm: Vec<i16> = out
        .stdout
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert!(
        pcm.len() > 8000 * 3,
        "{voice} gave only {} samples",
        pcm.len()
    );
    pcm
}

#[test]
fn no_digit_from_synthetic_speech() {
    let mut total_samples = 0usize;
    let mut false_hits = Vec::new();
    for (voice, text, pitch, wpm) in clips() {
        let mut pcm = speak(&voice, text, pitch, wpm);
        alaw_roundtrip(&mut pcm);
        total_samples += pcm.len();
        for ev in detect(&pcm) {
            false_hits.push(format!(
                "{voice} p{pitch} s{wpm}: {} at {:?}",
                ev.digit, ev.start
            ));
        }
    }
    let hours = total_samples as f64 / 8000.0 / 3600.0;
    println!(
        "talk-off speech: {:.1} min, {} false detections ({:.1} per hour)",
        hours * 60.0,
        false_hits.len(),
        false_hits.len() as f64 / hours
    );
    assert!(
        hours * 60.0 > 5.0,
        "corpus too small: {:.1} min",
        hours * 60.0
    );
    assert!(false_hits.is_empty(), "false detections: {false_hits:#?}");
}

/// Notes of `freqs` with 8 harmonics (1/n, a brass- or string-like timbre),
/// slow vibrato, for `len` samples, added to `buf` at `at`.
fn add_note(buf: &mut [f64], at: usize, len: usize, freqs: &[f64], dbm0: f64, vibrato: f64) {
    let a = amplitude(dbm0) / freqs.len() as f64;
    for n in 0..len.min(buf.len() - at) {
        let t = n as f64 / RATE;
        let env = (n as f64 / 80.0).min(1.0) * ((len - n) as f64 / 200.0).min(1.0);
        let vib = 1.0 + vibrato * (std::f64::consts::TAU * 5.5 * t).sin();
        let mut x = 0.0;
        for f in freqs {
            for h in 1..=8 {
                let fh = f * h as f64;
                if fh < 3800.0 {
                    x += (std::f64::consts::TAU * fh * vib * t).sin() / h as f64;
                }
            }
        }
        buf[at + n] += env * a * x;
    }
}

#[test]
fn no_digit_from_chords_and_melodies() {
    let mut rng = StdRng::seed_from_u64(4733);
    let secs = 300;
    let mut buf = vec![0.0; 8000 * secs];
    let mut at = 0;
    while at < buf.len() - 8000 {
        let len = rng.random_range(800..6400);
        let root = 110.0 * 2f64.powf(rng.random_range(0..36) as f64 / 12.0);
        let chord: &[f64] = match rng.random_range(0..4) {
            0 => &[0.0, 4.0, 7.0],
            1 => &[0.0, 3.0, 7.0],
            2 => &[0.0, 4.0, 7.0, 10.0],
            _ => &[0.0, 7.0],
        };
        let freqs: Vec<f64> = chord.iter().map(|s| root * 2f64.powf(s / 12.0)).collect();
        let vibrato = if rng.random_bool(0.5) { 0.004 } else { 0.0 };
        add_note(
            &mut buf,
            at,
            len,
            &freqs,
            rng.random_range(-20.0..-3.0),
            vibrato,
        );
        // A melody line over it.
        let mel = 440.0 * 2f64.powf(rng.random_range(0..24) as f64 / 12.0);
        add_note(
            &mut buf,
            at,
            len / 2,
            &[mel],
            rng.random_range(-20.0..-6.0),
            vibrato,
        );
        at += len;
    }
    let mut pcm = to_i16(&buf);
    alaw_roundtrip(&mut pcm);
    let events = detect(&pcm);
    println!(
        "talk-off music: {secs} s, {} false detections",
        events.len()
    );
    assert!(events.is_empty(), "false detections: {events:?}");
}
