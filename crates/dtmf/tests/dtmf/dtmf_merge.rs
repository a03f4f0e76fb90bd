//! One merged stream: a key seen by two sources (in-band tones and RFC 4733,
//! or SIP INFO) within 150 ms counts once; two presses seen by one source
//! stay two, even close together.

use crate::support::*;
use std::time::{Duration, Instant};
use voice_otp_dtmf::{Digit, DtmfEvent, DtmfMerger, DtmfSource, Rfc4733Tracker};

fn ev(digit: Digit, start_ms: u64, source: DtmfSource) -> DtmfEvent {
    DtmfEvent {
        digit,
        start: Duration::from_millis(start_ms),
        duration: Duration::from_millis(100),
        source,
    }
}

fn merged(events: &[DtmfEvent]) -> Vec<(Digit, u64, DtmfSource)> {
    let mut m = DtmfMerger::new();
    let mut out = Vec::new();
    for e in events {
        m.handle_event(*e);
        while let Some(p) = m.poll_event() {
            out.push((p.digit, p.start.as_millis() as u64, p.source));
        }
    }
    out
}

#[test]
fn same_key_from_two_sources_within_150_ms_counts_once() {
    use DtmfSource::*;
    let got = merged(&[
        ev(Digit::D1, 1000, Rfc4733),
        ev(Digit::D1, 1150, InBand),
        ev(Digit::D1, 900, SipInfo),
    ]);
    assert_eq!(got, [(Digit::D1, 1000, Rfc4733)]);
    // 151 ms apart: two presses.
    let got = merged(&[ev(Digit::D1, 1000, InBand), ev(Digit::D1, 1151, Rfc4733)]);
    assert_eq!(got.len(), 2);
    // Different keys never merge.
    let got = merged(&[ev(Digit::D1, 1000, InBand), ev(Digit::D2, 1010, Rfc4733)]);
    assert_eq!(got.len(), 2);
}

#[test]
fn one_source_twice_is_two_presses_and_each_is_matched_once() {
    use DtmfSource::*;
    // In-band sees 1 twice (90 ms apart); RFC 4733 sees both as well.
    let got = merged(&[
        ev(Digit::D1, 1000, InBand),
        ev(Digit::D1, 1090, InBand),
        ev(Digit::D1, 1005, Rfc4733),
        ev(Digit::D1, 1095, Rfc4733),
    ]);
    assert_eq!(got, [(Digit::D1, 1000, InBand), (Digit::D1, 1090, InBand)]);
    // A third RFC 4733 report has nothing left to pair with.
    let got = merged(&[
        ev(Digit::D1, 1000, InBand),
        ev(Digit::D1, 1005, Rfc4733),
        ev(Digit::D1, 1010, Rfc4733),
    ]);
    assert_eq!(got.len(), 2);
}

#[test]
fn tones_and_telephone_events_of_one_press_count_once() {
    // A trunk sends key 7 both ways: tones at 200-300 ms in the audio, and
    // telephone-events whose first packet arrives at 230 ms.
    let mut buf = vec![0.0; 8000];
    add_tone(&mut buf, 1600, 800, Tone::new(Digit::D7, -8.0));
    let pcm = to_i16(&buf);
    let epoch = Instant::now();
    let mut tracker = Rfc4733Tracker::new(epoch);
    let at = |ms| epoch + Duration::from_millis(ms);
    tracker
        .handle_packet(at(230), 9, 1, 1600, true, &te(7, false, 8, 240))
        .unwrap();
    for _ in 0..3 {
        tracker
            .handle_packet(at(300), 9, 2, 1600, false, &te(7, true, 8, 800))
            .unwrap();
    }
    let mut m = DtmfMerger::new();
    for e in detect(&pcm).into_iter().chain(drain(&mut tracker)) {
        m.handle_event(e);
    }
    let presses: Vec<DtmfEvent> = std::iter::from_fn(|| m.poll_event()).collect();
    assert_eq!(presses.len(), 1, "{presses:?}");
    assert_eq!(presses[0].digit, Digit::D7);
}
