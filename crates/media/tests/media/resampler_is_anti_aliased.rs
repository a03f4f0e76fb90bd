//! Downsampling to 8 kHz keeps what fits below 4 kHz and removes what does not: a 3.5 kHz
//! tone survives, a 5 kHz tone (which naive decimation of a 16 kHz file folds onto 3 kHz)
//! is attenuated by at least 40 dB.

use voice_otp_media::Resampler;
use voice_otp_media::wav::{decode_wav, encode_wav};

fn tone(rate: u32, hz: f64, amplitude: f64, seconds: f64) -> Vec<f32> {
    (0..(f64::from(rate) * seconds) as usize)
        .map(|n| {
            (amplitude * (2.0 * std::f64::consts::PI * hz * n as f64 / f64::from(rate)).sin())
                as f32
        })
        .collect()
}

/// RMS over the middle half (away from the filter's start and end transients).
fn rms(s: &[f32]) -> f64 {
    let mid = &s[s.len() / 4..3 * s.len() / 4];
    (mid.iter()
        .map(|&v| f64::from(v) * f64::from(v))
        .sum::<f64>()
        / mid.len() as f64)
        .sqrt()
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

#[test]
fn passband_tone_survives_from_every_rate() {
    for rate in [11025, 16000, 22050, 32000, 44100, 48000] {
        let r = Resampler::new(rate, 8000).unwrap();
        let input = tone(rate, 3500.0, 10000.0, 0.5);
        let out = r.process(&input);
        assert_eq!(out.len(), r.output_len(input.len()));
        let loss = db(rms(&input)) - db(rms(&out));
        assert!(
            loss.abs() < 0.1,
            "{rate} Hz: 3.5 kHz changed by {loss:.3} dB"
        );
    }
}

#[test]
fn five_khz_in_a_16khz_file_is_attenuated_by_40_db() {
    let input = tone(16000, 5000.0, 10000.0, 0.5);
    let out = Resampler::new(16000, 8000).unwrap().process(&input);
    let attenuation = db(rms(&input)) - db(rms(&out));
    assert!(attenuation >= 40.0, "only {attenuation:.1} dB");
    eprintln!("5 kHz in 16 kHz: attenuated by {attenuation:.1} dB");
    // Naive decimation (every other sample) would keep it at full level, folded to 3 kHz.
    let naive: Vec<f32> = input.iter().step_by(2).copied().collect();
    assert!(db(rms(&input)) - db(rms(&naive)) < 1.0);
}

#[test]
fn the_same_holds_through_the_wav_reader() {
    // 16-bit 16 kHz WAV written by hand: the reader must resample, not decimate.
    for (hz, survives) in [(3500.0, true), (5000.0, false)] {
        let samples: Vec<i16> = tone(16000, hz, 10000.0, 0.5)
            .iter()
            .map(|&v| v as i16)
            .collect();
        let mut bytes = encode_wav(&samples);
        bytes[24..28].copy_from_slice(&16000u32.to_le_bytes());
        bytes[28..32].copy_from_slice(&32000u32.to_le_bytes());
        let out: Vec<f32> = decode_wav(&bytes)
            .unwrap()
            .iter()
            .map(|&v| f32::from(v))
            .collect();
        assert_eq!(out.len(), 4000);
        let level = db(rms(&out)) - db(10000.0 / 2f64.sqrt());
        if survives {
            assert!(level.abs() < 0.1, "{hz} Hz: {level:.2} dB");
        } else {
            assert!(level <= -40.0, "{hz} Hz: {level:.2} dB");
        }
    }
}

#[test]
fn same_rate_is_identity() {
    let input = tone(8000, 1000.0, 1000.0, 0.1);
    assert_eq!(Resampler::new(8000, 8000).unwrap().process(&input), input);
    assert!(Resampler::new(0, 8000).is_err());
}
