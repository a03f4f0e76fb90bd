//! Sequence numbers and timestamps run on without a jump across a prompt, silence, a replay
//! of the same prompt, a prompt change mid-way and a stop.

use std::time::Duration;

use crate::common::Harness;
use voice_otp_rtp::{Codec, SenderEvent};

#[test]
fn continuity_across_replay_prompt_change_and_silence() {
    let mut h = Harness::new(Codec::Pcma, 42);
    let first_seq = h.sender.next_seq();
    let first_ts = h.sender.next_timestamp();
    h.sender.play(crate::common::prompt(50, 1));
    h.run_until(Duration::from_millis(1500));
    // Replay ("press 1 to hear it again").
    h.sender.play(crate::common::prompt(50, 1));
    h.run_until(Duration::from_millis(2600));
    // A different prompt follows, stopped half-way.
    h.sender.play(crate::common::prompt(50, 100));
    h.run_until(Duration::from_millis(3100));
    h.sender.stop_playback();
    h.run_until(Duration::from_millis(4000));

    assert_eq!(h.rtp[0].view.seq, first_seq);
    assert_eq!(h.rtp[0].view.timestamp, first_ts);
    assert_eq!(h.rtp.len(), 201);
    crate::common::assert_continuous(&h.rtp, 160);
    // The replay carries the same audio as the first playing.
    let first: Vec<_> = h.rtp[0..50].iter().map(|p| p.payload[0]).collect();
    let replay_at = h
        .rtp
        .iter()
        .position(|p| h.elapsed(p.at) == Duration::from_millis(1520))
        .unwrap();
    let replay: Vec<_> = h.rtp[replay_at..replay_at + 50]
        .iter()
        .map(|p| p.payload[0])
        .collect();
    assert_eq!(first, replay);
    // Finished twice (first playing and the replay); the stopped one never finished.
    let finished = h
        .events
        .iter()
        .filter(|(_, e)| *e == SenderEvent::PlaybackFinished)
        .count();
    assert_eq!(finished, 2);
}

#[test]
fn sequence_and_timestamp_wrap_without_a_gap() {
    // Search a seed whose random start is close to the 16-bit sequence wrap.
    let seed = (0..u64::MAX)
        .find(|s| {
            let h = Harness::new(Codec::Pcmu, *s);
            h.sender.next_seq().0 > 65_000
        })
        .unwrap();
    let mut h = Harness::new(Codec::Pcmu, seed);
    h.run_until(Duration::from_secs(20));
    assert!(
        h.rtp.iter().any(|p| p.view.seq.0 == 0),
        "the test must cross the wrap"
    );
    crate::common::assert_continuous(&h.rtp, 160);
}

#[test]
fn start_values_come_from_the_seed() {
    let a = Harness::new(Codec::Pcma, 1);
    let b = Harness::new(Codec::Pcma, 1);
    let c = Harness::new(Codec::Pcma, 2);
    assert_eq!(a.sender.ssrc(), b.sender.ssrc());
    assert_eq!(a.sender.next_seq(), b.sender.next_seq());
    assert_eq!(a.sender.next_timestamp(), b.sender.next_timestamp());
    assert_ne!(a.sender.ssrc(), c.sender.ssrc());
}
