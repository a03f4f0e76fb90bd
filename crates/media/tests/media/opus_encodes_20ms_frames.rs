//! A rendered prompt becomes one 20 ms Opus packet per G.711 frame, which libopus decodes
//! back to the same speech-band signal.

use audiopus::coder::Decoder;
use audiopus::{Channels, SampleRate};
use voice_otp_media::RenderedAudio;

#[test]
fn packets_decode_back_to_the_tone() {
    // 1 s of 440 Hz at -12 dBFS.
    let samples: Vec<i16> = (0..8000)
        .map(|n| (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * n as f64 / 8000.0).sin()) as i16)
        .collect();
    let audio = RenderedAudio::new(samples.clone());
    let packets = audio.opus_frames().unwrap();
    assert_eq!(packets.len(), audio.frame_count());
    assert_eq!(packets.len(), 50);
    // Kept after the first call.
    assert_eq!(audio.opus_frames().unwrap().as_ptr(), packets.as_ptr());
    let mut dec = Decoder::new(SampleRate::Hz8000, Channels::Mono).unwrap();
    let mut out = Vec::new();
    for p in packets {
        assert!(!p.is_empty() && p.len() < 400, "{} bytes", p.len());
        let mut buf = [0i16; 160];
        let n = dec.decode(Some(&p[..]), &mut buf[..], false).unwrap();
        assert_eq!(n, 160);
        out.extend_from_slice(&buf);
    }
    // Compare energy at 440 Hz over the second half (past the codec's start-up).
    let amp = |s: &[i16]| {
        let (mut re, mut im) = (0.0, 0.0);
        for (n, &v) in s.iter().enumerate() {
            let w = 2.0 * std::f64::consts::PI * 440.0 * n as f64 / 8000.0;
            re += f64::from(v) * w.cos();
            im += f64::from(v) * w.sin();
        }
        2.0 * (re * re + im * im).sqrt() / s.len() as f64
    };
    let a_in = amp(&samples[4000..8000]);
    let a_out = amp(&out[4000..8000]);
    assert!(
        (20.0 * (a_out / a_in).log10()).abs() < 1.5,
        "in {a_in} out {a_out}"
    );
}
