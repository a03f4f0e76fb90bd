//! spandsp dtmf_rx_tests "Test 6: guard time": a 40 ms tone is a key press
//! wherever it falls against the detector's blocks, a tone under 23 ms never
//! is, and the same key twice with a 40 ms gap is two key presses.

use crate::support::*;
use voice_otp_dtmf::Digit;

/// A burst of `len` samples starting `shift` samples into the stream's
/// second 102-sample block grid cell, so every alignment is covered.
fn one_burst(digit: Digit, len: usize, shift: usize, dbm0: f64) -> Vec<i16> {
    let mut buf = vec![0.0; 800 + shift + len + 800];
    add_tone(&mut buf, 800 + shift, len, Tone::new(digit, dbm0));
    let mut pcm = to_i16(&buf);
    alaw_roundtrip(&mut pcm);
    pcm
}

#[test]
fn accepts_40_ms_at_every_alignment() {
    for &d in &[Digit::D1, Digit::D5, Digit::D9, Digit::D, Digit::Hash] {
        for shift in 0..102 {
            for dbm0 in [-3.0, -20.0, -33.0] {
                let got = detect_string(&one_burst(d, 320, shift, dbm0));
                assert_eq!(
                    got,
                    d.as_char().to_string(),
                    "{d} 40 ms shift {shift} at {dbm0}"
                );
            }
        }
    }
}

#[test]
fn refuses_tones_under_23_ms_at_every_alignment() {
    for &d in &[Digit::D1, Digit::D5, Digit::D9, Digit::D, Digit::Star] {
        for len in (40..=183).step_by(3).chain([183]) {
            for shift in 0..102 {
                let got = detect_string(&one_burst(d, len, shift, -3.0));
                assert_eq!(
                    got,
                    "",
                    "{d} {len} samples ({} ms) shift {shift}",
                    len as f64 / 8.0
                );
            }
        }
    }
}

#[test]
fn same_key_twice_with_a_40_ms_gap_is_two_presses() {
    for &d in &[Digit::D1, Digit::D0, Digit::Hash] {
        for shift in (0..102).step_by(3) {
            for on_ms in [40.0, 50.0, 100.0] {
                let mut buf = vec![0.0; 4000];
                let on = (on_ms * 8.0) as usize;
                add_tone(&mut buf, 800 + shift, on, Tone::new(d, -6.0));
                add_tone(&mut buf, 800 + shift + on + 320, on, Tone::new(d, -6.0));
                let mut pcm = to_i16(&buf);
                alaw_roundtrip(&mut pcm);
                let events = detect(&pcm);
                assert_eq!(
                    events.len(),
                    2,
                    "{d} {on_ms} ms on, 40 ms off, shift {shift}: {events:?}"
                );
                assert!(events.iter().all(|e| e.digit == d));
            }
        }
    }
}
