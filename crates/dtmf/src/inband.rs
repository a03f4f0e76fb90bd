//! In-band DTMF detection: a block DFT at the 8 DTMF frequencies with the
//! acceptance logic of spandsp's `dtmf_rx`, sharpened where ITU-T Q.24 asks
//! for more than spandsp checks.
//!
//! How it decides, per block of 102 samples (12.75 ms, spandsp's size):
//! 1. the strongest row tone and the strongest column tone are each at least
//!    -42 dBm0 (spandsp's threshold);
//! 2. their ratio is inside the normal / reverse twist limits;
//! 3. every other row (column) bin is at least 8 dB below the best one;
//! 4. in *each half* of the block the two tones carry at least -0.85 dB of
//!    all the energy of that half. spandsp applies this to the whole block; a
//!    tone straddling two blocks can then pass with 84 of 102 samples per
//!    block, i.e. a 21 ms burst gives a digit. Testing the halves needs about
//!    93 samples per block, so bursts under 23 ms never pass twice in a row;
//! 5. the phase advance of each tone from the first half to the second
//!    measures its frequency: more than 2.5 % off nominal is refused. A 102
//!    sample window alone cannot tell 697 Hz + 3.5 % (which must be refused)
//!    from 1633 Hz + 1.5 % (which must be accepted): both lose 1.5 dB.
//!
//! A block that passes is a *hit*; a digit starts after two equal hits in a
//! row and ends after two blocks that do not confirm it (spandsp's logic).
//!
//! Speed: instead of eight Goertzel recursions (a serial multiply-add chain
//! per sample) the block DFT is a correlation with a precomputed cos/sin
//! table, `[f32; 16]` lanes per sample with two independent accumulators, so
//! the compiler emits packed SIMD with no loop-carried multiply.
//!
//! Levels use the G.711 convention: a sine at full scale (32768) is
//! +3.14 dBm0, so 0 dBm0 is a sine of amplitude 22,832.

use std::collections::VecDeque;
use std::time::Duration;

use crate::event::{Digit, DtmfEvent, DtmfSource};

/// Sample rate the detector works at.
pub const SAMPLE_RATE: u32 = 8000;

/// Low (row) tone frequencies, in Hz.
pub(crate) const ROW_FREQS: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
/// High (column) tone frequencies, in Hz.
pub(crate) const COL_FREQS: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];

const BLOCK: usize = 102;
const HALF: usize = BLOCK / 2;

/// Power of a full-scale sine, in dBm0 (G.711).
// 20 log10(32768 / 22832): G.711's full-scale sine, not an approximation of pi.
#[allow(clippy::approx_constant)]
const DBM0_MAX_SINE_POWER: f64 = 3.14;
/// Weakest tone that may count, in dBm0 (spandsp's default).
const MIN_TONE_DBM0: f64 = -42.0;
/// Row tone louder than the column tone by up to this much is accepted.
const NORMAL_TWIST_DB: f64 = 8.5;
/// Column tone louder than the row tone by up to this much is accepted.
const REVERSE_TWIST_DB: f64 = 4.5;
/// Every other bin of the same group must be this much weaker than the best.
const RELATIVE_PEAK_DB: f64 = 8.0;
/// Share of a half-block's energy the two tones must carry.
const TONES_TO_TOTAL_DB: f64 = -0.85;
/// Largest accepted frequency error of each tone, relative to nominal.
const FREQ_TOLERANCE: f64 = 0.025;

// --- compile-time maths (float arithmetic is allowed in const fn) ---------

const PI: f64 = std::f64::consts::PI;
const TAU: f64 = std::f64::consts::TAU;

const fn floor(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t > x { t - 1.0 } else { t }
}

const fn sin(x: f64) -> f64 {
    // Reduce to [-pi, pi], then a Taylor series that is exact to f64 there.
    let x = x - TAU * floor((x + PI) / TAU);
    let mut term = x;
    let mut sum = x;
    let mut n = 1;
    while n < 30 {
        term = -term * x * x / (((2 * n) * (2 * n + 1)) as f64);
        sum += term;
        n += 1;
    }
    sum
}

const fn cos(x: f64) -> f64 {
    sin(x + PI / 2.0)
}

const fn exp(x: f64) -> f64 {
    // exp(x) = exp(x / 2^10)^(2^10), with the series converging fast near 0.
    let y = x / 1024.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut n = 1;
    while n < 20 {
        term = term * y / n as f64;
        sum += term;
        n += 1;
    }
    let mut i = 0;
    while i < 10 {
        sum *= sum;
        i += 1;
    }
    sum
}

const fn db_to_power_ratio(db: f64) -> f64 {
    exp(db / 10.0 * std::f64::consts::LN_10)
}

const FREQS: [f64; 8] = [697.0, 770.0, 852.0, 941.0, 1209.0, 1336.0, 1477.0, 1633.0];

/// `TABLE[n] = [cos(w_k n) for k in 0..8, sin(w_k n) for k in 0..8]`.
static TABLE: [[f32; 16]; BLOCK] = {
    let mut t = [[0.0f32; 16]; BLOCK];
    let mut n = 0;
    while n < BLOCK {
        let mut k = 0;
        while k < 8 {
            let w = TAU * FREQS[k] / SAMPLE_RATE as f64;
            t[n][k] = cos(w * n as f64) as f32;
            t[n][k + 8] = sin(w * n as f64) as f32;
            k += 1;
        }
        n += 1;
    }
    t
};

/// `2|X|^2` of a full-block sine at `MIN_TONE_DBM0` (spandsp's scale).
const THRESHOLD: f32 = ((BLOCK * BLOCK) as f64 * 32768.0 * 32768.0 / 2.0
    * db_to_power_ratio(MIN_TONE_DBM0 - DBM0_MAX_SINE_POWER)) as f32;
const NORMAL_TWIST: f32 = db_to_power_ratio(NORMAL_TWIST_DB) as f32;
const REVERSE_TWIST: f32 = db_to_power_ratio(REVERSE_TWIST_DB) as f32;
const RELATIVE_PEAK: f32 = db_to_power_ratio(RELATIVE_PEAK_DB) as f32;
/// A pure pair of tones gives `2(|X_r|^2 + |X_c|^2) = HALF * energy`.
const HALF_TONES_TO_TOTAL: f32 = (HALF as f64 * db_to_power_ratio(TONES_TO_TOTAL_DB)) as f32;
/// cos of the largest accepted phase advance between the halves, per bin.
static COS_MAX_PHASE: [f32; 8] = {
    let mut c = [0.0f32; 8];
    let mut k = 0;
    while k < 8 {
        let dphi = TAU * FREQ_TOLERANCE * FREQS[k] * HALF as f64 / SAMPLE_RATE as f64;
        c[k] = cos(dphi) as f32;
        k += 1;
    }
    c
};

const EVENT_QUEUE: usize = 16;

/// In-band DTMF detector for one 8 kHz audio channel.
///
/// Feed samples in frames of any length with [`process`](Self::process);
/// drain finished key presses with [`poll_event`](Self::poll_event). Start
/// times count from the first sample given to the detector. Each press is
/// reported once, when it has ended (about 25 ms after the tone stops).
///
/// ```
/// use voice_otp_dtmf::InbandDetector;
/// let mut det = InbandDetector::new();
/// let silence = [0i16; 160];
/// det.process(&silence);
/// assert!(det.poll_event().is_none());
/// ```
///
/// No allocation and no lock happen per frame, as long as the events are
/// drained (up to 16 undrained events fit without allocating).
#[derive(Debug, Clone)]
pub struct InbandDetector {
    /// Correlation sums of the first and second half of the current block.
    acc: [[f32; 16]; 2],
    /// Sum of squares of the first and second half of the current block.
    energy: [f32; 2],
    /// Position inside the current block, 0..BLOCK.
    pos: usize,
    /// Samples consumed since the start.
    samples: u64,
    in_digit: Option<Digit>,
    last_hit: Option<Digit>,
    /// First and one-past-last sample of the digit in progress.
    digit_start: u64,
    digit_end: u64,
    events: VecDeque<DtmfEvent>,
}

impl Default for InbandDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl InbandDetector {
    /// A detector for 8 kHz 16-bit linear audio, starting at time zero.
    pub fn new() -> Self {
        InbandDetector {
            acc: [[0.0; 16]; 2],
            energy: [0.0; 2],
            pos: 0,
            samples: 0,
            in_digit: None,
            last_hit: None,
            digit_start: 0,
            digit_end: 0,
            events: VecDeque::with_capacity(EVENT_QUEUE),
        }
    }

    /// Feeds the next samples of the channel (any number, 8 kHz).
    pub fn process(&mut self, mut samples: &[i16]) {
        while !samples.is_empty() {
            let half = usize::from(self.pos >= HALF);
            let end = if half == 0 { HALF } else { BLOCK };
            let n = (end - self.pos).min(samples.len());
            let (now, rest) = samples.split_at(n);
            accumulate(
                &mut self.acc[half],
                &mut self.energy[half],
                now,
                &TABLE[self.pos..self.pos + n],
            );
            self.pos += n;
            self.samples += n as u64;
            samples = rest;
            if self.pos == BLOCK {
                self.end_block();
            }
        }
    }

    /// Ends the stream: a digit still sounding is reported now, as if the
    /// tone stopped at the last complete block.
    pub fn flush(&mut self) {
        if let Some(digit) = self.in_digit.take() {
            self.push(digit);
        }
        self.last_hit = None;
    }

    /// The next finished key press, oldest first.
    pub fn poll_event(&mut self) -> Option<DtmfEvent> {
        self.events.pop_front()
    }

    /// Time since the detector's first sample.
    pub fn elapsed(&self) -> Duration {
        samples_to_duration(self.samples)
    }

    fn push(&mut self, digit: Digit) {
        self.events.push_back(DtmfEvent {
            digit,
            start: samples_to_duration(self.digit_start),
            duration: samples_to_duration(self.digit_end - self.digit_start),
            source: DtmfSource::InBand,
        });
    }

    fn end_block(&mut self) {
        let hit = self.classify();
        self.acc = [[0.0; 16]; 2];
        self.energy = [0.0; 2];
        self.pos = 0;

        if hit.is_some() && hit == self.in_digit {
            self.digit_end = self.samples;
        }
        // spandsp's hysteresis: a change needs two blocks that both disagree
        // with the current state; a start needs the two to agree.
        if hit != self.in_digit && self.last_hit != self.in_digit {
            let new = if hit.is_some() && hit == self.last_hit {
                hit
            } else {
                None
            };
            if let Some(old) = self.in_digit {
                self.push(old);
            }
            if new.is_some() {
                self.digit_start = self.samples - 2 * BLOCK as u64;
                self.digit_end = self.samples;
            }
            self.in_digit = new;
        }
        self.last_hit = hit;
    }

    /// The key this block is a clean instance of, if any.
    fn classify(&self) -> Option<Digit> {
        let [a, b] = &self.acc;
        let mut p = [0.0f32; 8];
        for k in 0..8 {
            let c = a[k] + b[k];
            let s = a[k + 8] + b[k + 8];
            p[k] = 2.0 * (c * c + s * s);
        }
        let row = argmax4(&p[0..4]);
        let col = argmax4(&p[4..8]);
        let (pr, pc) = (p[row], p[4 + col]);
        if pr < THRESHOLD || pc < THRESHOLD {
            return None;
        }
        if pc >= pr * REVERSE_TWIST || pc * NORMAL_TWIST <= pr {
            return None;
        }
        for i in 0..4 {
            if (i != row && p[i] * RELATIVE_PEAK > pr)
                || (i != col && p[4 + i] * RELATIVE_PEAK > pc)
            {
                return None;
            }
        }
        for h in 0..2 {
            let acc = &self.acc[h];
            let tones = 2.0
                * (acc[row] * acc[row]
                    + acc[row + 8] * acc[row + 8]
                    + acc[4 + col] * acc[4 + col]
                    + acc[12 + col] * acc[12 + col]);
            if tones <= HALF_TONES_TO_TOTAL * self.energy[h] {
                return None;
            }
        }
        for k in [row, 4 + col] {
            // B * conj(A) with X = C - jS: its angle is the phase advance
            // over half a block, 2 pi df HALF / fs.
            let re = b[k] * a[k] + b[k + 8] * a[k + 8];
            let im = b[k] * a[k + 8] - b[k + 8] * a[k];
            if re < COS_MAX_PHASE[k] * (re * re + im * im).sqrt() {
                return None;
            }
        }
        Some(Digit::from_row_col(row, col))
    }
}

fn argmax4(p: &[f32]) -> usize {
    let mut best = 0;
    for i in 1..4 {
        if p[i] > p[best] {
            best = i;
        }
    }
    best
}

fn samples_to_duration(samples: u64) -> Duration {
    Duration::from_nanos(samples * (1_000_000_000 / SAMPLE_RATE as u64))
}

/// Adds `x[n] * table[n]` to the 16 correlation lanes and `x[n]^2` to the
/// energy. Two accumulator sets (even and odd samples) halve the length of
/// the dependency chain; the lanes vectorise.
#[inline]
fn accumulate(acc: &mut [f32; 16], energy: &mut f32, x: &[i16], table: &[[f32; 16]]) {
    let mut a0 = *acc;
    let mut a1 = [0.0f32; 16];
    let mut e0 = 0.0f32;
    let mut e1 = 0.0f32;
    let pairs = x.chunks_exact(2);
    let rest_x = pairs.remainder();
    let tpairs = table.chunks_exact(2);
    let rest_t = tpairs.remainder();
    for (xs, ts) in pairs.zip(tpairs) {
        let x0 = f32::from(xs[0]);
        let x1 = f32::from(xs[1]);
        let (t0, t1) = (&ts[0], &ts[1]);
        for k in 0..16 {
            a0[k] += x0 * t0[k];
            a1[k] += x1 * t1[k];
        }
        e0 += x0 * x0;
        e1 += x1 * x1;
    }
    if let (Some(&x), Some(t)) = (rest_x.first(), rest_t.first()) {
        let x = f32::from(x);
        for k in 0..16 {
            a0[k] += x * t[k];
        }
        e0 += x * x;
    }
    for k in 0..16 {
        acc[k] = a0[k] + a1[k];
    }
    *energy += e0 + e1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn const_maths_matches_std() {
        for i in -50..50 {
            let x = i as f64 * 0.77;
            assert!((sin(x) - x.sin()).abs() < 1e-9, "sin {x}");
            assert!((cos(x) - x.cos()).abs() < 1e-9, "cos {x}");
        }
        assert!((db_to_power_ratio(8.0) - 6.309_573).abs() < 1e-5);
        // spandsp's precomputed threshold for 102-sample blocks.
        assert!(
            (THRESHOLD / 171_029_200.0 - 1.0).abs() < 1e-3,
            "{THRESHOLD}"
        );
    }
}
