//! Signal generation and detector driving shared by the DTMF tests.
#![allow(dead_code, unreachable_pub)]

pub mod pcap;

use rand::{Rng, SeedableRng, rngs::StdRng};
use voice_otp_dtmf::{Digit, DtmfEvent, InbandDetector};

/// Amplitude of a 0 dBm0 sine (G.711: full scale 32768 is +3.14 dBm0).
pub const DBM0_AMPLITUDE: f64 = 22_832.0;
pub const RATE: f64 = 8000.0;

/// Amplitude of a sine at `dbm0`.
pub fn amplitude(dbm0: f64) -> f64 {
    DBM0_AMPLITUDE * 10f64.powf(dbm0 / 20.0)
}

/// One tone burst's description.
#[derive(Clone, Copy, Debug)]
pub struct Tone {
    pub digit: Digit,
    /// Relative frequency error of the low and the high tone (0.015 = +1.5 %).
    pub low_offset: f64,
    pub high_offset: f64,
    /// Level of each tone in dBm0.
    pub low_dbm0: f64,
    pub high_dbm0: f64,
}

impl Tone {
    pub fn new(digit: Digit, dbm0: f64) -> Tone {
        Tone {
            digit,
            low_offset: 0.0,
            high_offset: 0.0,
            low_dbm0: dbm0,
            high_dbm0: dbm0,
        }
    }
}

/// Adds `len` samples of `tone` into `buf` starting at `at` (float, unclipped).
pub fn add_tone(buf: &mut [f64], at: usize, len: usize, tone: Tone) {
    let (fl, fh) = tone.digit.frequencies();
    let fl = f64::from(fl) * (1.0 + tone.low_offset);
    let fh = f64::from(fh) * (1.0 + tone.high_offset);
    let (al, ah) = (amplitude(tone.low_dbm0), amplitude(tone.high_dbm0));
    for n in 0..len {
        let t = n as f64 / RATE;
        buf[at + n] += al * (std::f64::consts::TAU * fl * t).sin()
            + ah * (std::f64::consts::TAU * fh * t + 0.7).sin();
    }
}

/// Adds white Gaussian noise at `dbm0` (power relative to a 0 dBm0 sine).
pub fn add_noise(buf: &mut [f64], dbm0: f64, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let rms = amplitude(dbm0) / std::f64::consts::SQRT_2;
    for s in buf.iter_mut() {
        // Box-Muller.
        let u1: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
        let u2: f64 = rng.random();
        *s += rms * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    }
}

/// Rounds and saturates to 16-bit linear, as a codec would.
pub fn to_i16(buf: &[f64]) -> Vec<i16> {
    buf.iter()
        .map(|&x| x.round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

/// G.711 A-law encode then decode (what a PCMA trunk does to the signal).
pub fn alaw_roundtrip(samples: &mut [i16]) {
    for s in samples.iter_mut() {
        *s = alaw_decode(alaw_encode(*s));
    }
}

fn alaw_encode(pcm: i16) -> u8 {
    let mut x = i32::from(pcm) >> 3;
    let mask = if x >= 0 {
        0xD5
    } else {
        x = -x - 1;
        0x55
    };
    let seg_end = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
    let seg = seg_end.iter().position(|&e| x <= e).unwrap_or(8);
    if seg >= 8 {
        return (0x7F ^ mask) as u8;
    }
    let mut a = (seg as i32) << 4;
    a |= if seg < 2 {
        (x >> 1) & 0xF
    } else {
        (x >> seg) & 0xF
    };
    (a ^ mask) as u8
}

fn alaw_decode(a: u8) -> i16 {
    let a = a ^ 0x55;
    let mut t = (i32::from(a & 0x0F)) << 4;
    let seg = (a & 0x70) >> 4;
    match seg {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= seg - 1;
        }
    }
    (if a & 0x80 != 0 { t } else { -t }) as i16
}

/// Runs `samples` through a fresh detector in 160-sample frames.
pub fn detect(samples: &[i16]) -> Vec<DtmfEvent> {
    let mut det = InbandDetector::new();
    let mut out = Vec::new();
    for frame in samples.chunks(160) {
        det.process(frame);
        while let Some(ev) = det.poll_event() {
            out.push(ev);
        }
    }
    det.flush();
    while let Some(ev) = det.poll_event() {
        out.push(ev);
    }
    out
}

/// The keys detected in `samples`, as a string.
pub fn detect_string(samples: &[i16]) -> String {
    detect(samples).iter().map(|e| e.digit.as_char()).collect()
}

/// A sequence of bursts, each `on_ms` long followed by `off_ms` of silence,
/// after 100 ms of leading silence.
pub fn bursts(tones: &[Tone], on_ms: f64, off_ms: f64) -> Vec<f64> {
    let on = (on_ms * 8.0).round() as usize;
    let off = (off_ms * 8.0).round() as usize;
    let mut buf = vec![0.0; 800 + tones.len() * (on + off) + 800];
    let mut at = 800;
    for t in tones {
        add_tone(&mut buf, at, on, *t);
        at += on + off;
    }
    buf
}

/// A telephone-event payload.
pub fn te(code: u8, end: bool, volume: u8, duration: u16) -> [u8; 4] {
    voice_otp_dtmf::TelephoneEvent {
        code,
        end,
        volume,
        duration,
    }
    .to_bytes()
}

/// Drains a tracker's events.
pub fn drain(t: &mut voice_otp_dtmf::Rfc4733Tracker) -> Vec<DtmfEvent> {
    std::iter::from_fn(|| t.poll_event()).collect()
}
