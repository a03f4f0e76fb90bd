//! spandsp dtmf_rx_tests "Test 2: decode check": every key, repeated, at a
//! healthy level, through G.711 A-law, is reported exactly once each time,
//! with the right start time.

use crate::support::*;
use voice_otp_dtmf::Digit;

#[test]
fn all_sixteen_keys_ten_times_each_through_alaw() {
    let tones: Vec<Tone> = Digit::ALL
        .iter()
        .flat_map(|&d| std::iter::repeat_n(Tone::new(d, -7.0), 10))
        .collect();
    let mut pcm = to_i16(&bursts(&tones, 50.0, 50.0));
    alaw_roundtrip(&mut pcm);
    let expected: String = tones.iter().map(|t| t.digit.as_char()).collect();
    assert_eq!(detect_string(&pcm), expected);
}

#[test]
fn start_times_and_durations_are_those_of_the_tones() {
    let tones: Vec<Tone> = "159D*#0"
        .chars()
        .map(|c| Tone::new(Digit::from_char(c).unwrap(), -10.0))
        .collect();
    let pcm = to_i16(&bursts(&tones, 80.0, 120.0));
    let events = detect(&pcm);
    assert_eq!(events.len(), tones.len());
    for (i, ev) in events.iter().enumerate() {
        let true_start = 100.0 + 200.0 * i as f64;
        let start = ev.start.as_secs_f64() * 1000.0;
        // Windows slide by 6.375 ms; one that the tone fills to ~75 % counts.
        assert!(
            (true_start - 3.5..=true_start + 6.4).contains(&start),
            "event {i} start {start} vs {true_start}"
        );
        let dur = ev.duration.as_secs_f64() * 1000.0;
        assert!(
            (80.0 - 13.0..=80.0 + 7.0).contains(&dur),
            "event {i} duration {dur}"
        );
    }
}

#[test]
fn frame_length_does_not_change_the_result() {
    let tones: Vec<Tone> = "123A456B"
        .chars()
        .map(|c| Tone::new(Digit::from_char(c).unwrap(), -12.0))
        .collect();
    let pcm = to_i16(&bursts(&tones, 45.0, 45.0));
    let reference = detect(&pcm);
    assert_eq!(reference.len(), 8);
    for frame in [1, 7, 80, 101, 102, 103, 160, 320, 4000] {
        let mut det = voice_otp_dtmf::InbandDetector::new();
        let mut got = Vec::new();
        for chunk in pcm.chunks(frame) {
            det.process(chunk);
            while let Some(ev) = det.poll_event() {
                got.push(ev);
            }
        }
        det.flush();
        while let Some(ev) = det.poll_event() {
            got.push(ev);
        }
        assert_eq!(got, reference, "frame length {frame}");
    }
}

#[test]
fn alaw_roundtrip_is_close() {
    let mut s: Vec<i16> = (-32768..=32767).step_by(97).map(|x| x as i16).collect();
    let orig = s.clone();
    alaw_roundtrip(&mut s);
    for (a, b) in orig.iter().zip(&s) {
        let err = (i32::from(*a) - i32::from(*b)).abs();
        assert!(err <= (i32::from(*a).abs() / 16).max(16), "{a} -> {b}");
    }
}

#[test]
fn a_key_held_at_the_end_of_the_stream_is_reported_by_flush() {
    let mut buf = vec![0.0; 1600];
    add_tone(&mut buf, 800, 800, Tone::new(Digit::D8, -10.0));
    let pcm = to_i16(&buf);
    let mut det = voice_otp_dtmf::InbandDetector::new();
    det.process(&pcm);
    assert_eq!(det.poll_event(), None, "still held");
    assert_eq!(det.key_down(), Some(Digit::D8));
    det.flush();
    let ev = det.poll_event().expect("reported on flush");
    assert_eq!(ev.digit, Digit::D8);
    assert_eq!(det.key_down(), None);
    assert_eq!(det.poll_event(), None);
}
