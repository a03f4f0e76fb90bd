//! A rendered prompt plays as Opus when Opus is negotiated: the sender takes the media
//! crate's cached Opus packets unchanged and stamps them on a 48 kHz clock (960 per packet).

use std::sync::Arc;
use std::time::Duration;

use crate::common::Harness;
use voice_otp_media::RenderedAudio;
use voice_otp_rtp::{Codec, RenderedSource};

#[test]
fn rendered_audio_streams_as_opus_packets() {
    let samples: Vec<i16> = (0..8000)
        .map(|i| ((i as f64 * 0.3).sin() * 8000.0) as i16)
        .collect();
    let audio = Arc::new(RenderedAudio::new(samples));
    let opus: Vec<Vec<u8>> = audio
        .opus_frames()
        .unwrap()
        .iter()
        .map(|b| b.to_vec())
        .collect();
    assert_eq!(opus.len(), 50);
    let mut h = Harness::new(Codec::Opus, 21);
    h.sender.play(Box::new(
        RenderedSource::new(Arc::clone(&audio), Codec::Opus).unwrap(),
    ));
    h.run_until(Duration::from_millis(1100));
    let sent: Vec<Vec<u8>> = h.rtp[..50].iter().map(|p| p.payload.clone()).collect();
    assert_eq!(sent, opus);
    crate::common::assert_continuous(&h.rtp, 960);
    assert_eq!(h.events.len(), 1);
}

#[test]
fn rendered_audio_streams_as_g711_frames_zero_copy() {
    let samples: Vec<i16> = (0..1000).map(|i| (i * 7) as i16).collect();
    let audio = Arc::new(RenderedAudio::new(samples));
    let mut h = Harness::new(Codec::Pcmu, 22);
    h.sender.play(Box::new(
        RenderedSource::new(Arc::clone(&audio), Codec::Pcmu).unwrap(),
    ));
    h.run_until(Duration::from_millis(200));
    let heard: Vec<u8> = h.rtp[..audio.frame_count()]
        .iter()
        .flat_map(|p| p.payload.clone())
        .collect();
    assert_eq!(&heard[..], &audio.g711(voice_otp_media::G711Law::Ulaw)[..]);
}
