//! spandsp dtmf_rx_tests "Test 7: acceptable signal to noise ratio": with
//! white Gaussian noise 15 dB below each tone, every one of 1000 bursts is
//! detected, exactly once, and nothing else is.

use crate::support::*;
use voice_otp_dtmf::Digit;

fn run(tone_dbm0: f64, snr_db: f64, seed: u64) {
    let tones: Vec<Tone> = (0..1000)
        .map(|i| Tone::new(Digit::ALL[i % 16], tone_dbm0))
        .collect();
    let mut buf = bursts(&tones, 50.0, 50.0);
    add_noise(&mut buf, tone_dbm0 - snr_db, seed);
    let mut pcm = to_i16(&buf);
    alaw_roundtrip(&mut pcm);
    let expected: String = tones.iter().map(|t| t.digit.as_char()).collect();
    assert_eq!(
        detect_string(&pcm),
        expected,
        "tones {tone_dbm0} dBm0, S/N {snr_db} dB"
    );
}

#[test]
fn detects_every_burst_at_15_db_snr() {
    run(-4.0, 15.0, 1);
}

#[test]
fn detects_every_weak_burst_at_15_db_snr() {
    run(-25.0, 15.0, 2);
}

#[test]
fn noise_alone_gives_no_digit() {
    for (i, dbm0) in [-10.0, -20.0, -30.0, -40.0].into_iter().enumerate() {
        let mut buf = vec![0.0; 8000 * 30];
        add_noise(&mut buf, dbm0, 100 + i as u64);
        let mut pcm = to_i16(&buf);
        alaw_roundtrip(&mut pcm);
        assert_eq!(detect_string(&pcm), "", "noise at {dbm0} dBm0");
    }
}
