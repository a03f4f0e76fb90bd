//! spandsp dtmf_rx_tests "Test 4: acceptable amplitude ratio (twist)".
//! Normal twist (the low-group tone louder, spandsp's `normal_twist`) is
//! accepted up to 8 dB, reverse twist (the high-group tone louder) up to 4 dB.

use crate::support::*;
use voice_otp_dtmf::Digit;

fn run(digit: Digit, low_dbm0: f64, high_dbm0: f64) -> String {
    let tone = Tone {
        low_dbm0,
        high_dbm0,
        ..Tone::new(digit, 0.0)
    };
    let mut pcm = to_i16(&bursts(&[tone; 3], 50.0, 50.0));
    alaw_roundtrip(&mut pcm);
    detect_string(&pcm)
}

#[test]
fn accepts_normal_twist_up_to_8_db() {
    for &d in &Digit::ALL {
        let three: String = std::iter::repeat_n(d.as_char(), 3).collect();
        for tenths in 0..=80 {
            let twist = f64::from(tenths) / 10.0;
            assert_eq!(
                run(d, -6.0, -6.0 - twist),
                three,
                "{d} normal twist {twist} dB"
            );
            assert_eq!(
                run(d, -20.0, -20.0 - twist),
                three,
                "{d} normal twist {twist} dB, weak"
            );
        }
    }
}

#[test]
fn accepts_reverse_twist_up_to_4_db() {
    for &d in &Digit::ALL {
        let three: String = std::iter::repeat_n(d.as_char(), 3).collect();
        for tenths in 0..=40 {
            let twist = f64::from(tenths) / 10.0;
            assert_eq!(
                run(d, -6.0 - twist, -6.0),
                three,
                "{d} reverse twist {twist} dB"
            );
            assert_eq!(
                run(d, -20.0 - twist, -20.0),
                three,
                "{d} reverse twist {twist} dB, weak"
            );
        }
    }
}

#[test]
fn refuses_twist_well_beyond_the_limits() {
    for &d in &Digit::ALL {
        assert_eq!(run(d, -6.0, -6.0 - 12.0), "", "{d} normal twist 12 dB");
        assert_eq!(run(d, -6.0 - 8.0, -6.0), "", "{d} reverse twist 8 dB");
    }
}
