//! spandsp dtmf_rx_tests "Test 5: dynamic range": tones from 0 dBm0 down to
//! -36 dBm0 per tone are accepted; below -55 dBm0 nothing is reported.
//! (G.711 levels: 0 dBm0 is a sine of amplitude 22,832; two tones at
//! 0 dBm0 each clip in 16-bit linear, as they would in the codec.)

use crate::support::*;
use voice_otp_dtmf::Digit;

fn run(digit: Digit, dbm0: f64) -> String {
    let mut pcm = to_i16(&bursts(&[Tone::new(digit, dbm0); 3], 50.0, 50.0));
    alaw_roundtrip(&mut pcm);
    detect_string(&pcm)
}

#[test]
fn accepts_0_to_minus_36_dbm0_per_tone() {
    for &d in &Digit::ALL {
        let three: String = std::iter::repeat_n(d.as_char(), 3).collect();
        for level in 0..=36 {
            let dbm0 = -f64::from(level);
            assert_eq!(run(d, dbm0), three, "{d} at {dbm0} dBm0");
        }
    }
}

#[test]
fn refuses_below_minus_55_dbm0() {
    for &d in &Digit::ALL {
        for level in 55..=75 {
            let dbm0 = -f64::from(level) - 0.5;
            assert_eq!(run(d, dbm0), "", "{d} at {dbm0} dBm0");
        }
    }
}
