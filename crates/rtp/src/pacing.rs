//! How late the pacing workers wake up: a lock-free histogram fed once per fired deadline.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const BUCKET_US: u64 = 50;
const BUCKETS: usize = 401; // 0..20 ms in 50 µs steps, then one overflow bucket

/// Counts of wake-up lateness (actual send time minus the packet's deadline).
#[derive(Debug)]
pub(crate) struct LatenessHistogram {
    buckets: Box<[AtomicU64]>,
    max_us: AtomicU64,
}

impl LatenessHistogram {
    pub(crate) fn new() -> Self {
        LatenessHistogram {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            max_us: AtomicU64::new(0),
        }
    }

    /// Counts one sample. Each histogram has a single writer (its pacing thread), so plain
    /// loads and stores do instead of read-modify-write atomics: no locked instruction per
    /// packet. Readers may see a count one sample behind.
    pub(crate) fn record(&self, late: Duration) {
        let us = late.as_micros().min(u128::from(u64::MAX)) as u64;
        let i = ((us / BUCKET_US) as usize).min(BUCKETS - 1);
        // Relaxed: these are statistics, read long after and never used for ordering.
        let b = &self.buckets[i];
        b.store(b.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        if us > self.max_us.load(Ordering::Relaxed) {
            self.max_us.store(us, Ordering::Relaxed);
        }
    }

    pub(crate) fn add_to(&self, counts: &mut [u64; BUCKETS], max_us: &mut u64) {
        for (c, b) in counts.iter_mut().zip(self.buckets.iter()) {
            *c += b.load(Ordering::Relaxed);
        }
        *max_us = (*max_us).max(self.max_us.load(Ordering::Relaxed));
    }
}

/// Percentiles of one distribution of durations (50 µs resolution, reported as the upper
/// edge of the bucket).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Percentiles {
    /// Number of samples.
    pub samples: u64,
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// 99.9th percentile.
    pub p999: Duration,
    /// Largest sample.
    pub max: Duration,
}

/// Pacing figures of a [`MediaEngine`](crate::MediaEngine) since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacingStats {
    /// Send time minus deadline, per fired deadline (RTP packets and RTCP reports).
    pub lateness: Percentiles,
    /// |gap between two consecutive RTP packets of a stream - 20 ms|, per packet: the
    /// send-interval error a callee's jitter buffer sees before the network adds its own.
    pub send_interval_error: Percentiles,
}

/// Raw counts of an engine's pacing histograms at one moment
/// ([`MediaEngine::pacing_snapshot`](crate::MediaEngine::pacing_snapshot)); two of them give
/// the figures of the window in between, without the start-up of the streams.
#[derive(Clone, Debug)]
pub struct PacingSnapshot {
    lateness: Box<[u64; BUCKETS]>,
    send_interval_error: Box<[u64; BUCKETS]>,
}

impl PacingSnapshot {
    pub(crate) fn take(
        lateness: &[std::sync::Arc<LatenessHistogram>],
        send_interval_error: &[std::sync::Arc<LatenessHistogram>],
    ) -> Self {
        let counts = |hs: &[std::sync::Arc<LatenessHistogram>]| {
            let mut counts = Box::new([0u64; BUCKETS]);
            let mut max_us = 0;
            for h in hs {
                h.add_to(&mut counts, &mut max_us);
            }
            counts
        };
        PacingSnapshot {
            lateness: counts(lateness),
            send_interval_error: counts(send_interval_error),
        }
    }

    /// Pacing figures of the samples taken between `earlier` and this snapshot. Each `max`
    /// is the upper edge of the highest bucket used (the exact maximum is only kept since
    /// start).
    pub fn since(&self, earlier: &PacingSnapshot) -> PacingStats {
        let window = |now: &[u64; BUCKETS], then: &[u64; BUCKETS]| {
            let mut counts = [0u64; BUCKETS];
            for (c, (n, t)) in counts.iter_mut().zip(now.iter().zip(then.iter())) {
                *c = n.saturating_sub(*t);
            }
            let top = counts
                .iter()
                .rposition(|c| *c > 0)
                .map_or(0, |i| i as u64 + 1);
            percentiles(&counts, top * BUCKET_US)
        };
        PacingStats {
            lateness: window(&self.lateness, &earlier.lateness),
            send_interval_error: window(&self.send_interval_error, &earlier.send_interval_error),
        }
    }
}

pub(crate) fn summarize(histograms: &[std::sync::Arc<LatenessHistogram>]) -> Percentiles {
    let mut counts = [0u64; BUCKETS];
    let mut max_us = 0;
    for h in histograms {
        h.add_to(&mut counts, &mut max_us);
    }
    percentiles(&counts, max_us)
}

fn percentiles(counts: &[u64; BUCKETS], max_us: u64) -> Percentiles {
    let samples: u64 = counts.iter().sum();
    let pct = |p: f64| {
        if samples == 0 {
            return Duration::ZERO;
        }
        let rank = ((samples as f64) * p).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Duration::from_micros(
                    ((i as u64 + 1) * BUCKET_US).min(max_us.max(BUCKET_US)),
                );
            }
        }
        Duration::from_micros(max_us)
    };
    Percentiles {
        samples,
        p50: pct(0.50),
        p99: pct(0.99),
        p999: pct(0.999),
        max: Duration::from_micros(max_us),
    }
}
