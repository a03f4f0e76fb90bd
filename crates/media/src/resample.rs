//! A polyphase windowed-sinc resampler (Kaiser window) for any ratio of integer rates.
//!
//! Why polyphase: the rate ratio reduces to L/M (44.1 kHz -> 8 kHz is 80/441), and every
//! output sample falls on one of L fractional positions between input samples, so L
//! filters are designed once and each output costs one dot product. The low-pass sits
//! below the lower Nyquist frequency so nothing above it aliases: passband to 88% of
//! that Nyquist (3.52 kHz at 8 kHz), stopband from Nyquist on, at least 80 dB down.

use crate::MediaError;

/// Stopband attenuation in dB the filters are designed for.
const STOPBAND_DB: f64 = 80.0;
/// Passband edge as a fraction of the lower Nyquist frequency.
const PASSBAND_FRACTION: f64 = 0.88;

/// Converts a signal from one sample rate to another with an anti-aliasing low-pass.
#[derive(Debug, Clone)]
pub struct Resampler {
    /// Output rate / gcd.
    up: usize,
    /// Input rate / gcd.
    down: usize,
    /// Taps per phase (an even number: `2 * half`).
    taps: usize,
    /// `up` phases of `taps` coefficients, in the order of the input window they multiply.
    coeffs: Vec<f32>,
}

impl Resampler {
    /// Designs the filters for `from_hz` -> `to_hz`. Rates must be 1 Hz to 384 kHz.
    pub fn new(from_hz: u32, to_hz: u32) -> Result<Self, MediaError> {
        for r in [from_hz, to_hz] {
            if r == 0 || r > 384_000 {
                return Err(MediaError::WavUnsupportedRate(r));
            }
        }
        let g = gcd(from_hz, to_hz);
        let up = (to_hz / g) as usize;
        let down = (from_hz / g) as usize;
        if up == 1 && down == 1 {
            return Ok(Resampler {
                up,
                down,
                taps: 0,
                coeffs: Vec::new(),
            });
        }
        let nyquist = f64::from(from_hz.min(to_hz)) / 2.0;
        let pass = nyquist * PASSBAND_FRACTION;
        let cutoff = (pass + nyquist) / 2.0 / f64::from(from_hz); // cycles per input sample
        let transition = (nyquist - pass) / f64::from(from_hz);
        // Kaiser's estimate of the length for this attenuation and transition width.
        let length = (STOPBAND_DB - 8.0) / (2.285 * 2.0 * std::f64::consts::PI * transition);
        let half = (length / 2.0).ceil().max(1.0) as usize;
        let taps = 2 * half;
        let beta = 0.1102 * (STOPBAND_DB - 8.7);
        let i0_beta = bessel_i0(beta);
        let mut coeffs = Vec::with_capacity(up * taps);
        for p in 0..up {
            let frac = p as f64 / up as f64;
            let start = coeffs.len();
            let mut sum = 0.0f64;
            let mut phase = Vec::with_capacity(taps);
            for m in 0..taps {
                // x[m] in `process` is input[i0 + 1 + m - half]; the output instant is at
                // i0 + frac, so this tap's distance from it is:
                let dist = m as f64 + 1.0 - half as f64 - frac;
                let h = sinc_lowpass(dist, cutoff) * kaiser(dist, half as f64, beta, i0_beta);
                sum += h;
                phase.push(h);
            }
            // Unit DC gain in every phase, so no phase-dependent ripple on steady signals.
            for h in phase {
                coeffs.push((h / sum) as f32);
            }
            debug_assert_eq!(coeffs.len() - start, taps);
        }
        Ok(Resampler {
            up,
            down,
            taps,
            coeffs,
        })
    }

    /// Number of output samples for `input_len` input samples.
    pub fn output_len(&self, input_len: usize) -> usize {
        (input_len * self.up).div_ceil(self.down)
    }

    /// Resamples a whole signal (zeros are assumed before and after it).
    pub fn process(&self, input: &[f32]) -> Vec<f32> {
        if self.taps == 0 {
            return input.to_vec();
        }
        let half = self.taps / 2;
        let mut padded = vec![0.0f32; input.len() + 2 * self.taps];
        padded[half..half + input.len()].copy_from_slice(input);
        let out_len = self.output_len(input.len());
        let mut out = Vec::with_capacity(out_len);
        for n in 0..out_len {
            let pos = n * self.down;
            let i0 = pos / self.up;
            let p = pos % self.up;
            let h = &self.coeffs[p * self.taps..(p + 1) * self.taps];
            // padded[i0 + m] is input[i0 - half + m].
            let x = &padded[i0 + 1..i0 + 1 + self.taps];
            out.push(dot(x, h));
        }
        out
    }
}

/// A dot product written as independent lanes so the compiler vectorises it.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = a.len() / 8;
    for c in 0..chunks {
        let (x, y) = (&a[c * 8..c * 8 + 8], &b[c * 8..c * 8 + 8]);
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for i in chunks * 8..a.len() {
        s += a[i] * b[i];
    }
    s
}

fn sinc_lowpass(t: f64, cutoff: f64) -> f64 {
    let x = 2.0 * cutoff * t;
    if x.abs() < 1e-12 {
        2.0 * cutoff
    } else {
        2.0 * cutoff * (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
    }
}

fn kaiser(t: f64, half: f64, beta: f64, i0_beta: f64) -> f64 {
    let r = t / (half + 1.0);
    if r.abs() >= 1.0 {
        return 0.0;
    }
    bessel_i0(beta * (1.0 - r * r).sqrt()) / i0_beta
}

/// Modified Bessel function of the first kind, order 0 (power series).
fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let q = x * x / 4.0;
    for k in 1..64 {
        term *= q / (k * k) as f64;
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}
