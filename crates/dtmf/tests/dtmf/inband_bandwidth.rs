//! spandsp dtmf_rx_tests "Test 3: recognition bandwidth": each tone may be
//! off by up to +-1.5 % and is still accepted; +-3.5 % off is refused
//! (ITU-T Q.24), for every key, with one tone off or both.

use crate::support::*;
use voice_otp_dtmf::Digit;

/// Detected keys for a 50 ms burst of `digit` with the given tone errors.
fn run(digit: Digit, low: f64, high: f64) -> String {
    let tone = Tone {
        low_offset: low,
        high_offset: high,
        ..Tone::new(digit, -10.0)
    };
    let mut pcm = to_i16(&bursts(&[tone; 5], 50.0, 50.0));
    alaw_roundtrip(&mut pcm);
    detect_string(&pcm)
}

#[test]
fn accepts_offsets_up_to_1_5_percent() {
    for &d in &Digit::ALL {
        let five: String = std::iter::repeat_n(d.as_char(), 5).collect();
        for off in [-0.015, -0.01, -0.005, 0.005, 0.01, 0.015] {
            assert_eq!(run(d, off, 0.0), five, "{d} low tone {off:+}");
            assert_eq!(run(d, 0.0, off), five, "{d} high tone {off:+}");
            assert_eq!(run(d, off, off), five, "{d} both tones {off:+}");
            assert_eq!(run(d, off, -off), five, "{d} tones {off:+} / {:+}", -off);
        }
    }
}

#[test]
fn refuses_offsets_of_3_5_percent_and_more() {
    for &d in &Digit::ALL {
        for off in [-0.06, -0.045, -0.035, 0.035, 0.045, 0.06] {
            assert_eq!(run(d, off, 0.0), "", "{d} low tone {off:+}");
            assert_eq!(run(d, 0.0, off), "", "{d} high tone {off:+}");
            assert_eq!(run(d, off, off), "", "{d} both tones {off:+}");
        }
    }
}
