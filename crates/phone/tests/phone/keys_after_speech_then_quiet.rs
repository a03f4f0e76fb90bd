//! The phone presses its key like a person: only after it has heard enough speech
//! (1 s) and then quiet (1.5 s). A long pause after too little speech presses nothing.
//! The key goes to the caller's RTP address as an RFC 4733 event the project's tracker
//! decodes; what the phone heard is placed by RTP timestamp, so a lost packet stays silent.
//! The caller's BYE gets 200 and ends the call with the report.

use std::time::{Duration, Instant};

use voice_otp_dtmf::{Digit, Rfc4733Tracker};
use voice_otp_rtp::parse_rtp;
use voice_otp_sip::{Codec, EndReason, MediaOffer, SipEvent};

use crate::common::{Bench, caller_rtp, ms, pressing};

const LOUD: i16 = 8000;
/// 20 ms frames of each stretch the caller plays, in order.
const SHORT_SPEECH: usize = 20;
const LONG_PAUSE: usize = 80;
const SPEECH: usize = 40;
const QUIET: usize = 100;
/// A loud frame lost on the way (its index in the whole recording).
const LOST: usize = SHORT_SPEECH + LONG_PAUSE + 10;

/// Decodes the phone's RTP as telephone-events on 101: the keys, in order.
fn keys_in(rtp: &[(Duration, std::net::SocketAddr, Vec<u8>)]) -> Vec<Digit> {
    let epoch = Instant::now();
    let mut tracker = Rfc4733Tracker::new(epoch);
    let mut last = epoch;
    for (at, _, wire) in rtp {
        let view = parse_rtp(wire).unwrap();
        assert_eq!(view.payload_type.get(), 101);
        last = epoch + *at;
        let payload = &wire[view.payload.clone()];
        let (ssrc, seq, ts) = (view.ssrc.0, view.seq.0, view.timestamp.0);
        tracker
            .handle_packet(last, ssrc, seq, ts, view.marker, payload)
            .unwrap();
    }
    tracker.handle_timeout(last + Duration::from_secs(1));
    std::iter::from_fn(|| tracker.poll_event().map(|e| e.digit)).collect()
}

#[test]
fn key_pressed_after_enough_speech_and_then_quiet() {
    let mut bench = Bench::new(pressing("1"), MediaOffer::g711(caller_rtp()));
    let answered = ms(300);
    bench.run_until(answered);

    bench.play(SHORT_SPEECH, LOUD, &[]);
    bench.play(LONG_PAUSE, 0, &[]);
    assert!(bench.rtp_out.is_empty(), "0.4 s of speech is not enough");
    bench.play(SPEECH, LOUD, &[LOST - SHORT_SPEECH - LONG_PAUSE]);
    bench.play(QUIET, 0, &[]);

    let last_speech = answered + ms(20) * (SHORT_SPEECH + LONG_PAUSE + SPEECH - 1) as u32;
    let first = &bench.rtp_out[0];
    assert_eq!(
        first.0,
        last_speech + ms(1_500),
        "pressed after 1.5 s of quiet"
    );
    assert!(bench.rtp_out.iter().all(|(_, to, _)| *to == caller_rtp()));
    assert_eq!(keys_in(&bench.rtp_out), [Digit::D1]);

    bench.hang_up();
    let ended = SipEvent::Ended {
        key: bench.call,
        reason: EndReason::LocalBye { code: Some(200) },
    };
    assert!(bench.events.contains(&ended), "{:?}", bench.events);
    let report = bench.outcome.take().expect("BYE ends the call").unwrap();
    assert_eq!(report.pressed, "1");
    assert_eq!(report.codec, Codec::Pcma);
    let frames = SHORT_SPEECH + LONG_PAUSE + SPEECH + QUIET;
    assert_eq!(report.packets_received, frames as u64 - 1);
    assert_eq!(report.heard.len(), frames * 160);
    let frame = |i: usize| &report.heard[i * 160..(i + 1) * 160];
    assert!(
        frame(LOST).iter().all(|&s| s == 0),
        "the lost packet stays silent"
    );
    assert!(frame(LOST - 1).iter().all(|&s| s > 7000));
    assert!(frame(LOST + 1).iter().all(|&s| s > 7000));
}
