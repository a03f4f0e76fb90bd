//! In-band DTMF detection: a sliding DFT at the 8 DTMF frequencies with the
//! acceptance tests of spandsp's `dtmf_rx`, sharpened where ITU-T Q.24 asks
//! for more than spandsp checks.
//!
//! Windows are 102 samples (12.75 ms, spandsp's block: long enough to part
//! 697 from 770 Hz by 8 dB, short enough for 40 ms tones), but they slide by
//! half a window (51 samples). Each window is a *hit* for a key when:
//! 1. its strongest row tone and strongest column tone are each at least
//!    -42 dBm0 (spandsp's threshold);
//! 2. a least-squares fit of the two nominal tones explains at least
//!    -1.25 dB of the window's energy (spandsp compares `2|X|^2` with the
//!    energy at -0.85 dB; with 102 samples the two tones leak into each
//!    other's bins and that ratio swings by +-15 %, the fit does not);
//! 3. the fitted amplitudes are inside the twist limits (low tone up to 8 dB
//!    louder, high tone up to 4 dB louder, plus 0.5 dB of slack);
//! 4. once the fitted tones are taken out, every other row (column) bin is
//!    at least 8 dB below the best one (spandsp tests the raw bins, where a
//!    strong low tone leaking into the high bins fails a weak high tone);
//! 5. the phase advance of each tone from the first half of the window to the
//!    second measures its frequency: more than 2.5 % off nominal is refused.
//!    Energy alone cannot do this with a 102-sample window: 697 Hz + 3.5 %
//!    (to refuse) loses as little as 1633 Hz + 1.5 % (to accept), 1.5 dB.
//!
//! A key goes down after 4 hits in a row (32 ms of steady tone) and up after
//! 3 windows in a row that are not hits for it. With windows every 6.4 ms,
//! a 40 ms tone always holds 4 whole windows, while a tone under 23 ms (even
//! counting windows it only partly fills) can never give 4; a single
//! glitch spoils at most 2 windows and does not split a key; a 40 ms gap
//! holds 4 empty windows, so a repeated key is seen twice. spandsp's two
//! non-overlapping blocks in a row, in contrast, report a 22 ms burst that
//! straddles a block boundary (measured: 6 of 21 alignments).
//!
//! Speed: instead of eight Goertzel recursions (a serial multiply-add chain
//! per sample) each half window is correlated with a precomputed cos/sin
//! table, `[f32; 16]` lanes per sample with two independent accumulators,
//! so the compiler emits packed SIMD with no loop-carried multiply; a window
//! is the first half plus the second half rotated by a constant phase.
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

/// Analysis window, in samples.
const BLOCK: usize = 102;
/// Hop between windows: half a window.
const HALF: usize = BLOCK / 2;
/// Hits in a row that make a key press.
const HITS_TO_START: u8 = 4;
/// Windows in a row without the key that end it.
const MISSES_TO_END: u8 = 3;

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
/// Share of a window's energy the two tones must carry.
const TONES_TO_TOTAL_DB: f64 = -1.25;
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
    while n < 20 {
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

/// One sample position's 16 lanes, aligned so SSE multiplies can take them
/// straight from memory.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Row([f32; 16]);

/// `TABLE[n] = [cos(w_k n) for k in 0..8, sin(w_k n) for k in 0..8]`.
static TABLE: [Row; HALF] = {
    let mut t = [Row([0.0f32; 16]); HALF];
    let mut n = 0;
    while n < HALF {
        let mut k = 0;
        while k < 8 {
            let w = TAU * FREQS[k] / SAMPLE_RATE as f64;
            t[n].0[k] = cos(w * n as f64) as f32;
            t[n].0[k + 8] = sin(w * n as f64) as f32;
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
/// `2(|X_r|^2 + |X_c|^2)` must be at least this times the window energy
/// (a pure pair gives BLOCK times the energy).
const PREGATE: f32 = BLOCK as f32 * 0.5;
/// Share of the window energy the two tones must explain.
const TONES_TO_TOTAL: f32 = db_to_power_ratio(TONES_TO_TOTAL_DB) as f32;

/// For each (row, column) pair, the inverse Gram matrix of the window basis
/// `[cos w_r n, sin w_r n, cos w_c n, sin w_c n]`, n in 0..BLOCK. With the
/// correlations `b` of a window, `b' G^-1 b` is the energy that the two
/// tones explain (least squares), exact even though the short window makes
/// the two tones (and each tone's negative-frequency image) leak into each
/// other's bins: `2|X|^2` alone swings by +-15 % with the phases.
static GRAM_INV: [[[f32; 4]; 4]; 16] = gram_inverses(BLOCK);
/// The same for a half window (`n` in 0..HALF): it separates the two tones
/// of each half window for the frequency test.
static HALF_GRAM_INV: [[[f32; 4]; 4]; 16] = gram_inverses(HALF);

const fn gram_inverses(len: usize) -> [[[f32; 4]; 4]; 16] {
    let mut out = [[[0.0f32; 4]; 4]; 16];
    let mut pair = 0;
    while pair < 16 {
        let w = [
            TAU * FREQS[pair / 4] / SAMPLE_RATE as f64,
            TAU * FREQS[4 + pair % 4] / SAMPLE_RATE as f64,
        ];
        let mut g = [[0.0f64; 4]; 4];
        let mut n = 0;
        while n < len {
            let u = [
                cos(w[0] * n as f64),
                sin(w[0] * n as f64),
                cos(w[1] * n as f64),
                sin(w[1] * n as f64),
            ];
            let mut i = 0;
            while i < 4 {
                let mut j = 0;
                while j < 4 {
                    g[i][j] += u[i] * u[j];
                    j += 1;
                }
                i += 1;
            }
            n += 1;
        }
        let inv = invert4(g);
        let mut i = 0;
        while i < 4 {
            let mut j = 0;
            while j < 4 {
                out[pair][i][j] = inv[i][j] as f32;
                j += 1;
            }
            i += 1;
        }
        pair += 1;
    }
    out
}

/// For each (row, column) pair, `CROSS[pair][k][t]`: the correlation of the
/// window basis lane `k` (cos of the 8 bins, then sin) with the pair's
/// basis function `t`. With it, the fitted tones are taken out of every bin,
/// so the relative-peak test sees what is left, not the tones' leakage.
static CROSS: [[[f32; 4]; 16]; 16] = {
    // lanes[k][n]: cos of bin k (k < 8) or sin of bin k - 8, at n.
    let mut lanes = [[0.0f64; BLOCK]; 16];
    let mut k = 0;
    while k < 8 {
        let w = TAU * FREQS[k] / SAMPLE_RATE as f64;
        let mut n = 0;
        while n < BLOCK {
            lanes[k][n] = cos(w * n as f64);
            lanes[k + 8][n] = sin(w * n as f64);
            n += 1;
        }
        k += 1;
    }
    let mut out = [[[0.0f32; 4]; 16]; 16];
    let mut pair = 0;
    while pair < 16 {
        // The pair's basis: cos, sin of the row tone, cos, sin of the column tone.
        let basis = [pair / 4, 8 + pair / 4, 4 + pair % 4, 12 + pair % 4];
        let mut k = 0;
        while k < 16 {
            let mut t = 0;
            while t < 4 {
                let mut acc = 0.0f64;
                let mut n = 0;
                while n < BLOCK {
                    acc += lanes[k][n] * lanes[basis[t]][n];
                    n += 1;
                }
                out[pair][k][t] = acc as f32;
                t += 1;
            }
            k += 1;
        }
        pair += 1;
    }
    out
};

/// Gauss-Jordan inverse of a well-conditioned (Gram) 4x4 matrix.
const fn invert4(mut a: [[f64; 4]; 4]) -> [[f64; 4]; 4] {
    let mut inv = [[0.0f64; 4]; 4];
    let mut i = 0;
    while i < 4 {
        inv[i][i] = 1.0;
        i += 1;
    }
    let mut col = 0;
    while col < 4 {
        let pivot = a[col][col];
        let mut j = 0;
        while j < 4 {
            a[col][j] /= pivot;
            inv[col][j] /= pivot;
            j += 1;
        }
        let mut row = 0;
        while row < 4 {
            if row != col {
                let f = a[row][col];
                let mut j = 0;
                while j < 4 {
                    a[row][j] -= f * a[col][j];
                    inv[row][j] -= f * inv[col][j];
                    j += 1;
                }
            }
            row += 1;
        }
        col += 1;
    }
    inv
}
/// `cos(w_k HALF)` and `sin(w_k HALF)`: the phase a half window's sums lag
/// behind the window's start.
static ROTATE: [[f32; 8]; 2] = {
    let mut r = [[0.0f32; 8]; 2];
    let mut k = 0;
    while k < 8 {
        let w = TAU * FREQS[k] / SAMPLE_RATE as f64;
        r[0][k] = cos(w * HALF as f64) as f32;
        r[1][k] = sin(w * HALF as f64) as f32;
        k += 1;
    }
    r
};
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
    /// Correlation sums (cos lanes then sin lanes) of the half window being filled.
    acc: [f32; 16],
    /// Sum of squares of the half window being filled.
    energy: f32,
    /// The previous half window's sums and energy: the first half of the
    /// window that ends with the current one.
    prev: [f32; 16],
    prev_energy: f32,
    have_prev: bool,
    /// Position inside the current half window, 0..HALF.
    pos: usize,
    /// Samples consumed since the start.
    samples: u64,
    /// The key of the current run of equal hits, its length and first sample.
    run: Option<Digit>,
    run_len: u8,
    run_start: u64,
    /// The key that is down, windows since it was last confirmed.
    in_digit: Option<Digit>,
    misses: u8,
    /// First and one-past-last sample of the key that is down.
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
            acc: [0.0; 16],
            energy: 0.0,
            prev: [0.0; 16],
            prev_energy: 0.0,
            have_prev: false,
            pos: 0,
            samples: 0,
            run: None,
            run_len: 0,
            run_start: 0,
            in_digit: None,
            misses: 0,
            digit_start: 0,
            digit_end: 0,
            events: VecDeque::with_capacity(EVENT_QUEUE),
        }
    }

    /// Feeds the next samples of the channel (any number, 8 kHz).
    pub fn process(&mut self, mut samples: &[i16]) {
        while !samples.is_empty() {
            let n = (HALF - self.pos).min(samples.len());
            let (now, rest) = samples.split_at(n);
            accumulate(
                &mut self.acc,
                &mut self.energy,
                now,
                &TABLE[self.pos..self.pos + n],
            );
            self.pos += n;
            self.samples += n as u64;
            samples = rest;
            if self.pos == HALF {
                self.end_half();
            }
        }
    }

    /// Ends the stream: a key still down is reported now, as ending with the
    /// last window that confirmed it.
    pub fn flush(&mut self) {
        if let Some(digit) = self.in_digit.take() {
            self.push(digit);
        }
        self.run = None;
        self.run_len = 0;
    }

    /// The next finished key press, oldest first.
    pub fn poll_event(&mut self) -> Option<DtmfEvent> {
        self.events.pop_front()
    }

    /// The key held down right now (recognised, not yet reported because it
    /// has not ended), for callers that want to react before the release.
    pub fn key_down(&self) -> Option<Digit> {
        self.in_digit
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

    fn end_half(&mut self) {
        if self.have_prev {
            let hit = classify(&self.prev, &self.acc, self.prev_energy + self.energy);
            self.on_window(hit);
        }
        self.prev = self.acc;
        self.prev_energy = self.energy;
        self.have_prev = true;
        self.acc = [0.0; 16];
        self.energy = 0.0;
        self.pos = 0;
    }

    /// Debounces the per-window verdicts into key presses.
    fn on_window(&mut self, hit: Option<Digit>) {
        let window_start = self.samples - BLOCK as u64;
        if let Some(d) = self.in_digit {
            if hit == Some(d) {
                self.misses = 0;
                self.digit_end = self.samples;
            } else {
                self.misses += 1;
                if self.misses >= MISSES_TO_END {
                    self.push(d);
                    self.in_digit = None;
                }
            }
        }
        if hit.is_some() && hit == self.run {
            self.run_len = self.run_len.saturating_add(1);
        } else {
            self.run = hit;
            self.run_len = u8::from(hit.is_some());
            self.run_start = window_start;
        }
        if self.in_digit.is_none() && self.run_len >= HITS_TO_START {
            self.in_digit = self.run;
            self.misses = 0;
            self.digit_start = self.run_start;
            self.digit_end = self.samples;
            // A key that is down starts a fresh run only after it ends.
            self.run_len = 0;
            self.run = None;
        }
    }
}

/// The key a window is a clean instance of, if any. `h1` and `h2` are the
/// sums of its two halves, each relative to its own first sample.
fn classify(h1: &[f32; 16], h2: &[f32; 16], energy: f32) -> Option<Digit> {
    // By Cauchy-Schwarz 2|X|^2 <= 2 BLOCK energy: a quiet window (silence,
    // pauses) cannot hold two tones above the threshold.
    if 2.0 * BLOCK as f32 * energy < THRESHOLD {
        return None;
    }
    // Bring the second half to the window's phase reference (X = C - jS):
    // (cr - j sr)(C2 - j S2) = (cr C2 - sr S2) - j (sr C2 + cr S2).
    let mut c = [0.0f32; 8];
    let mut s = [0.0f32; 8];
    let mut p = [0.0f32; 8];
    for k in 0..8 {
        let (cr, sr) = (ROTATE[0][k], ROTATE[1][k]);
        c[k] = h1[k] + cr * h2[k] - sr * h2[k + 8];
        s[k] = h1[k + 8] + sr * h2[k] + cr * h2[k + 8];
        p[k] = 2.0 * (c[k] * c[k] + s[k] * s[k]);
    }
    let row = argmax4(&p[0..4]);
    let col = argmax4(&p[4..8]);
    let (pr, pc) = (p[row], p[4 + col]);
    if pr < THRESHOLD || pc < THRESHOLD {
        return None;
    }
    // Cheap gate before the fit: speech rarely puts half its energy in two
    // bins, while a tone pair keeps at least ~60 % there even 1.5 % off
    // centre and with the leakage swing (the fit below is the real test).
    if pr + pc < PREGATE * energy {
        return None;
    }
    let b = [c[row], s[row], c[4 + col], s[4 + col]];
    let g = &GRAM_INV[row * 4 + col];
    let fit = mat4(g, b);
    let explained = b[0] * fit[0] + b[1] * fit[1] + b[2] * fit[2] + b[3] * fit[3];
    if explained <= TONES_TO_TOTAL * energy {
        return None;
    }
    // Twist from the fitted amplitudes: the bins' |X|^2 swing with leakage.
    let (ar, ac) = (
        fit[0] * fit[0] + fit[1] * fit[1],
        fit[2] * fit[2] + fit[3] * fit[3],
    );
    if ac >= ar * REVERSE_TWIST || ac * NORMAL_TWIST <= ar {
        return None;
    }
    if !other_bins_quiet(&c, &s, &fit, row, col, pr, pc) || !on_frequency(h1, h2, row, col) {
        return None;
    }
    Some(Digit::from_row_col(row, col))
}

/// What is left in the other bins once the two fitted tones are taken out stays below
/// [`RELATIVE_PEAK`] of the peak of its group (a third tone, or speech, fails).
#[inline(always)]
fn other_bins_quiet(
    c: &[f32; 8],
    s: &[f32; 8],
    fit: &[f32; 4],
    row: usize,
    col: usize,
    pr: f32,
    pc: f32,
) -> bool {
    let cross = &CROSS[row * 4 + col];
    for i in 0..4 {
        for k in [i, 4 + i] {
            if k == row || k == 4 + col {
                continue;
            }
            let x = &cross[k];
            let y = &cross[k + 8];
            let rc = c[k] - (x[0] * fit[0] + x[1] * fit[1] + x[2] * fit[2] + x[3] * fit[3]);
            let rs = s[k] - (y[0] * fit[0] + y[1] * fit[1] + y[2] * fit[2] + y[3] * fit[3]);
            let best = if k < 4 { pr } else { pc };
            if 2.0 * (rc * rc + rs * rs) * RELATIVE_PEAK > best {
                return false;
            }
        }
    }
    true
}

/// Both tones keep their nominal frequency: the phase each advances between the window's
/// halves stays within [`COS_MAX_PHASE`] of the nominal advance.
#[inline(always)]
fn on_frequency(h1: &[f32; 16], h2: &[f32; 16], row: usize, col: usize) -> bool {
    // Each tone's amplitude in each half (least squares, so the other tone
    // does not leak in), as z = alpha - j beta for alpha cos + beta sin.
    let g = &HALF_GRAM_INV[row * 4 + col];
    let a1 = mat4(g, [h1[row], h1[row + 8], h1[4 + col], h1[12 + col]]);
    let a2 = mat4(g, [h2[row], h2[row + 8], h2[4 + col], h2[12 + col]]);
    for (t, k) in [(0, row), (2, 4 + col)] {
        // z2 conj(z1) e^{-j w HALF}: the phase advance over half a window
        // beyond the nominal one, 2 pi df HALF / fs.
        let (r1, i1) = (a1[t], -a1[t + 1]);
        let (r2, i2) = (a2[t], -a2[t + 1]);
        let (zr, zi) = (r2 * r1 + i2 * i1, i2 * r1 - r2 * i1);
        let (cr, sr) = (ROTATE[0][k], ROTATE[1][k]);
        let re = zr * cr + zi * sr;
        let im = zi * cr - zr * sr;
        if re < COS_MAX_PHASE[k] * (re * re + im * im).sqrt() {
            return false;
        }
    }
    true
}

fn mat4(m: &[[f32; 4]; 4], v: [f32; 4]) -> [f32; 4] {
    let mut out = [0.0; 4];
    for i in 0..4 {
        out[i] = m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2] + m[i][3] * v[3];
    }
    out
}

fn argmax4(p: &[f32]) -> usize {
    // A tournament of selects (no data-dependent branches: speech makes
    // them unpredictable); ties go to the lower index.
    let a = usize::from(p[1] > p[0]);
    let b = 2 + usize::from(p[3] > p[2]);
    if p[b] > p[a] { b } else { a }
}

fn samples_to_duration(samples: u64) -> Duration {
    Duration::from_nanos(samples * (1_000_000_000 / SAMPLE_RATE as u64))
}

/// Adds `x[n] * table[n]` to the 16 correlation lanes and `x[n]^2` to the
/// energy. Two accumulator sets (even and odd samples) halve the length of
/// the dependency chain; the lanes vectorise.
#[inline]
fn accumulate(acc: &mut [f32; 16], energy: &mut f32, x: &[i16], table: &[Row]) {
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
        let (t0, t1) = (&ts[0].0, &ts[1].0);
        for k in 0..16 {
            a0[k] += x0 * t0[k];
            a1[k] += x1 * t1[k];
        }
        e0 += x0 * x0;
        e1 += x1 * x1;
    }
    if let (Some(&x), Some(Row(t))) = (rest_x.first(), rest_t.first()) {
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
