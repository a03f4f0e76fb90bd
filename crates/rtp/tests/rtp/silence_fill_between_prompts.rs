//! With nothing to play the stream keeps flowing with codec silence (0xD5 A-law, 0xFF u-law,
//! an Opus silence frame), before, between and after prompts.

use std::time::Duration;

use crate::common::Harness;
use voice_otp_rtp::{Codec, SenderEvent};

#[test]
fn alaw_silence_before_between_and_after_prompts() {
    let mut h = Harness::new(Codec::Pcma, 11);
    h.run_until(Duration::from_millis(200)); // 11 packets of silence
    h.sender.play(crate::common::prompt(5, 1));
    h.run_until(Duration::from_millis(1000));
    assert_eq!(h.rtp.len(), 51);
    for (i, p) in h.rtp.iter().enumerate() {
        assert_eq!(p.payload.len(), 160);
        let audio = (11..16).contains(&i);
        if audio {
            assert_eq!(p.payload[0], 1 + (i - 11) as u8);
        } else {
            assert!(
                p.payload.iter().all(|&b| b == 0xd5),
                "packet {i} not silence"
            );
        }
    }
    // Playback ends when the source runs dry, at the packet after its last frame.
    assert_eq!(h.events.len(), 1);
    assert_eq!(h.events[0].1, SenderEvent::PlaybackFinished);
    assert_eq!(h.elapsed(h.events[0].0), Duration::from_millis(320));
    crate::common::assert_continuous(&h.rtp, 160);
    assert_eq!(h.sender.stats().audio_packets, 5);
}

#[test]
fn ulaw_silence_is_0xff() {
    let mut h = Harness::new(Codec::Pcmu, 12);
    h.run_until(Duration::from_millis(100));
    assert!(
        h.rtp
            .iter()
            .all(|p| p.payload.len() == 160 && p.payload.iter().all(|&b| b == 0xff))
    );
}

#[test]
fn opus_runs_on_a_48khz_clock_with_silence_frames() {
    let mut h = Harness::new(Codec::Opus, 13);
    let frames: Vec<bytes::Bytes> = (0..5u8)
        .map(|i| bytes::Bytes::from(vec![0x78, i, i]))
        .collect();
    h.sender
        .play(Box::new(voice_otp_rtp::FrameList::new(frames.into())));
    h.run_until(Duration::from_millis(400));
    assert_eq!(h.rtp.len(), 21);
    assert_eq!(h.rtp[0].view.payload_type.get(), 111);
    crate::common::assert_continuous(&h.rtp, 960);
    assert_eq!(h.rtp[4].payload, vec![0x78, 4, 4]);
    assert_eq!(h.rtp[5].payload, vec![0xf8, 0xff, 0xfe]);
}
