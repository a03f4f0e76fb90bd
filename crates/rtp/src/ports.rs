//! Even/odd RTP/RTCP port pairs handed out from a configured range.

use std::str::FromStr;
use std::sync::{Arc, Mutex};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::error::RtpError;

/// An inclusive UDP port range such as `"20000-30000"`, split into even/odd pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    low: u16,
    high: u16,
}

impl PortRange {
    /// The range `low..=high`; it must hold at least one even/odd pair.
    pub fn new(low: u16, high: u16) -> Result<Self, RtpError> {
        let first_even = low.checked_add(low % 2);
        match first_even {
            Some(even) if even < high && low > 0 => Ok(PortRange { low, high }),
            _ => Err(RtpError::InvalidPortRange(format!("{low}-{high}"))),
        }
    }

    /// Lowest port.
    pub fn low(&self) -> u16 {
        self.low
    }

    /// Highest port.
    pub fn high(&self) -> u16 {
        self.high
    }

    /// Number of even/odd pairs in the range.
    pub fn pairs(&self) -> usize {
        let first = u32::from(self.low) + u32::from(self.low % 2);
        ((u32::from(self.high) + 1 - first) / 2) as usize
    }

    fn first_even(&self) -> u16 {
        self.low + self.low % 2
    }
}

impl FromStr for PortRange {
    type Err = RtpError;

    fn from_str(s: &str) -> Result<Self, RtpError> {
        let bad = || RtpError::InvalidPortRange(s.to_owned());
        let (lo, hi) = s.trim().split_once('-').ok_or_else(bad)?;
        let low = lo.trim().parse().map_err(|_| bad())?;
        let high = hi.trim().parse().map_err(|_| bad())?;
        PortRange::new(low, high).map_err(|_| bad())
    }
}

#[derive(Debug)]
struct Pool {
    in_use: Vec<bool>,
    used: usize,
    rng: StdRng,
}

/// Hands out port pairs; a pair returns to the pool when its [`PortPair`] is dropped.
///
/// Each allocation starts at a random pair and takes the first free one from there: the
/// port of a live call is not the one after the previous call's, so a stranger on the
/// network cannot aim at it (he has to spray the whole range, which the receivers' source
/// check turns away). Pairs in use are never handed out twice.
#[derive(Clone, Debug)]
pub struct PortAllocator {
    range: PortRange,
    pool: Arc<Mutex<Pool>>,
}

impl PortAllocator {
    /// An allocator over `range`, drawing from the operating system's random source.
    pub fn new(range: PortRange) -> Self {
        Self::with_rng(range, StdRng::from_os_rng())
    }

    /// An allocator whose draws follow `seed` (for reproducible tests).
    pub fn with_seed(range: PortRange, seed: u64) -> Self {
        Self::with_rng(range, StdRng::seed_from_u64(seed))
    }

    fn with_rng(range: PortRange, rng: StdRng) -> Self {
        PortAllocator {
            range,
            pool: Arc::new(Mutex::new(Pool {
                in_use: vec![false; range.pairs()],
                used: 0,
                rng,
            })),
        }
    }

    /// The range it allocates from.
    pub fn range(&self) -> PortRange {
        self.range
    }

    /// Pairs currently handed out.
    pub fn in_use(&self) -> usize {
        self.lock().used
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pool> {
        // A panic while holding this lock cannot leave the pool inconsistent (every update
        // is a single assignment pair), so a poisoned lock is still usable.
        self.pool.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A free even/odd pair drawn at random, or [`RtpError::PortsExhausted`].
    pub fn allocate(&self) -> Result<PortPair, RtpError> {
        let mut pool = self.lock();
        let n = pool.in_use.len();
        let start = if pool.used < n {
            pool.rng.random_range(0..n)
        } else {
            0
        };
        for step in 0..n {
            let i = (start + step) % n;
            if !pool.in_use[i] {
                pool.in_use[i] = true;
                pool.used += 1;
                return Ok(PortPair {
                    rtp: self.range.first_even() + 2 * i as u16,
                    index: i,
                    pool: Arc::clone(&self.pool),
                });
            }
        }
        Err(RtpError::PortsExhausted {
            low: self.range.low,
            high: self.range.high,
            pairs: n,
        })
    }
}

/// An even RTP port and the odd RTCP port above it, held until dropped.
#[derive(Debug)]
pub struct PortPair {
    rtp: u16,
    index: usize,
    pool: Arc<Mutex<Pool>>,
}

impl PortPair {
    /// The even RTP port.
    pub fn rtp(&self) -> u16 {
        self.rtp
    }

    /// The odd RTCP port (`rtp + 1`).
    pub fn rtcp(&self) -> u16 {
        self.rtp + 1
    }
}

impl Drop for PortPair {
    fn drop(&mut self) {
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        if pool.in_use[self.index] {
            pool.in_use[self.index] = false;
            pool.used -= 1;
        }
    }
}
