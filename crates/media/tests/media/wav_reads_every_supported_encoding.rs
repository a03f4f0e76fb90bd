//! Every supported WAV encoding, written by sox (fixtures/media/wav/) or hound, comes out
//! as 8 kHz mono samples of the same tone at the same level.

use std::path::PathBuf;

use voice_otp_media::g711::{alaw_decode, ulaw_decode};
use voice_otp_media::wav::{decode_wav, encode_wav, read_wav_file, write_wav_file};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/media/wav")
        .join(name)
}

/// Amplitude of the `hz` component over the middle of the signal (single-bin DFT).
fn amplitude(s: &[i16], hz: f64) -> f64 {
    let skip = s.len() / 5;
    let mid = &s[skip..s.len() - skip];
    let (mut re, mut im) = (0.0, 0.0);
    for (n, &v) in mid.iter().enumerate() {
        let w = 2.0 * std::f64::consts::PI * hz * n as f64 / 8000.0;
        re += f64::from(v) * w.cos();
        im += f64::from(v) * w.sin();
    }
    2.0 * (re * re + im * im).sqrt() / mid.len() as f64
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

#[test]
fn sox_fixtures_decode_to_the_same_tone_at_8khz() {
    for (name, seconds) in [
        ("tone-alaw.wav", 0.1),
        ("tone-ulaw.wav", 0.1),
        ("tone-44k-stereo-24.wav", 0.05),
        ("tone-48k-float.wav", 0.05),
        ("tone-16k.wav", 0.05),
        ("tone-11k-u8.wav", 0.05),
        ("tone-22k-stereo-plain.wav", 0.05),
        ("tone-32k-s32.wav", 0.05),
    ] {
        let s = read_wav_file(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = (seconds * 8000.0) as usize;
        assert!(
            s.len().abs_diff(want) <= 1,
            "{name}: {} samples, want {want}",
            s.len()
        );
        let a = amplitude(&s, 1000.0);
        // sox wrote 0.5 of full scale; 8-bit input is coarser, G.711 within a step.
        assert!((db(a) - db(16384.0)).abs() < 0.3, "{name}: amplitude {a}");
    }
}

#[test]
fn g711_wavs_decode_sample_for_sample() {
    for (name, decode) in [
        ("tone-alaw.wav", alaw_decode as fn(u8) -> i16),
        ("tone-ulaw.wav", ulaw_decode),
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let at = bytes.windows(4).position(|w| w == b"data").unwrap();
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        let codes = &bytes[at + 8..at + 8 + len];
        let want: Vec<i16> = codes.iter().map(|&c| decode(c)).collect();
        assert_eq!(decode_wav(&bytes).unwrap(), want, "{name}");
    }
}

#[test]
fn hound_written_pcm_and_float_variants_decode() {
    let dir = tempfile::tempdir().unwrap();
    let tone: Vec<f64> = (0..800)
        .map(|n| 0.25 * (2.0 * std::f64::consts::PI * 1000.0 * n as f64 / 8000.0).sin())
        .collect();
    for (bits, format) in [
        (8, hound::SampleFormat::Int),
        (16, hound::SampleFormat::Int),
        (24, hound::SampleFormat::Int),
        (32, hound::SampleFormat::Int),
        (32, hound::SampleFormat::Float),
    ] {
        for channels in [1u16, 2] {
            let path = dir.path().join(format!("t{bits}{format:?}{channels}.wav"));
            let spec = hound::WavSpec {
                channels,
                sample_rate: 8000,
                bits_per_sample: bits,
                sample_format: format,
            };
            let mut w = hound::WavWriter::create(&path, spec).unwrap();
            for &v in &tone {
                for _ in 0..channels {
                    match format {
                        hound::SampleFormat::Float => w.write_sample(v as f32).unwrap(),
                        hound::SampleFormat::Int => {
                            let full = f64::from(1u32 << (bits - 1));
                            w.write_sample((v * full).round() as i32).unwrap()
                        }
                    }
                }
            }
            w.finalize().unwrap();
            let s = read_wav_file(&path).unwrap();
            assert_eq!(s.len(), 800);
            for (got, &v) in s.iter().zip(&tone) {
                // Exact to within the input's own resolution.
                let tol = if bits == 8 { 256.0 } else { 1.0 };
                assert!(
                    (f64::from(*got) - v * 32768.0).abs() <= tol,
                    "{bits} {format:?} {channels}"
                );
            }
        }
    }
}

#[test]
fn encode_wav_round_trips_and_hound_reads_it() {
    let samples: Vec<i16> = (0..1000).map(|i| (i * 61 % 65536 - 32768) as i16).collect();
    let bytes = encode_wav(&samples);
    assert_eq!(decode_wav(&bytes).unwrap(), samples);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("o.wav");
    write_wav_file(&p, &samples).unwrap();
    let mut r = hound::WavReader::open(&p).unwrap();
    assert_eq!(r.spec().sample_rate, 8000);
    assert_eq!(r.spec().channels, 1);
    assert_eq!(r.spec().bits_per_sample, 16);
    let back: Vec<i16> = r.samples::<i16>().map(Result::unwrap).collect();
    assert_eq!(back, samples);
}
