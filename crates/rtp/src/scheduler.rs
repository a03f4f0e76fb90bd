//! The timer wheel one pacing worker drives all of its streams from.
//!
//! Every stream fires exactly every 20 ms, so a wheel of 40 buckets of 0.5 ms covering one
//! packet time holds each stream in the bucket of its phase on the 20 ms grid, where it stays
//! from packet to packet: a pass takes the due bucket and fires what it holds, O(1) per packet
//! with no heap to sift and no entry to move (the deadline heap it replaced cost ~3 % of a
//! pacer in `BinaryHeap::pop` alone). Only a deadline off the grid (an RTCP report, a
//! catch-up gap) moves a stream to another bucket and back.

use std::time::{Duration, Instant};

/// Width of one bucket: how early a packet may leave (a bucket is fired when it starts).
pub(crate) const TICK: Duration = Duration::from_micros(500);
const TICK_NS: u64 = TICK.as_nanos() as u64;
/// Buckets in one turn of the wheel: one 20 ms packet time.
const BUCKETS: u64 = 40;

#[derive(Clone, Copy, Debug)]
struct Entry {
    slot: u32,
    generation: u32,
    /// Nanoseconds since the wheel's origin.
    due: u64,
}

/// A hashed timer wheel of (deadline, slot, generation). Entries of closed slots are left in
/// place and dropped when their bucket comes up (the caller reports them stale).
#[derive(Debug)]
pub(crate) struct TimerWheel {
    origin: Instant,
    /// Absolute number of the next bucket to fire; its start is `origin + cursor * TICK`.
    cursor: u64,
    buckets: Box<[Vec<Entry>]>,
    len: usize,
}

impl TimerWheel {
    pub(crate) fn new(origin: Instant) -> Self {
        TimerWheel {
            origin,
            cursor: 0,
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            len: 0,
        }
    }

    fn ns(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.origin).as_nanos()).unwrap_or(u64::MAX)
    }

    fn start(&self, bucket: u64) -> Instant {
        self.origin + Duration::from_nanos(bucket.saturating_mul(TICK_NS))
    }

    /// Entries, stale ones included.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Files `slot` under `due`. A deadline already past goes into the next bucket to fire.
    pub(crate) fn insert(&mut self, due: Instant, slot: u32, generation: u32) {
        let due = self.ns(due);
        let bucket = (due / TICK_NS).max(self.cursor);
        self.buckets[(bucket % BUCKETS) as usize].push(Entry {
            slot,
            generation,
            due,
        });
        self.len += 1;
    }

    /// When the next bucket holding anything starts, or `None` when the wheel is empty.
    pub(crate) fn next_wake(&self) -> Option<Instant> {
        if self.len == 0 {
            return None;
        }
        (self.cursor..self.cursor + BUCKETS)
            .find(|b| !self.buckets[(b % BUCKETS) as usize].is_empty())
            .map(|b| self.start(b))
    }

    /// Fires the next bucket if it has started at `now`; `false` if it has not.
    ///
    /// `fire(slot, generation, due)` handles one entry whose deadline falls before the end of
    /// the bucket and returns the slot's next deadline, or `None` to drop the entry (a stale
    /// generation or a closed stream). Entries for a later turn of the wheel stay put.
    pub(crate) fn fire_next(
        &mut self,
        now: Instant,
        mut fire: impl FnMut(u32, u32, Instant) -> Option<Instant>,
    ) -> bool {
        let now_bucket = self.ns(now) / TICK_NS;
        if self.len == 0 {
            // Idle: nothing to fire in the buckets skipped over.
            self.cursor = self.cursor.max(now_bucket);
        } else if now_bucket >= self.cursor + BUCKETS {
            // A whole turn behind (a stalled thread): every entry is overdue and each bucket
            // is visited once in the next turn anyway, so older buckets need no visit.
            self.cursor = now_bucket + 1 - BUCKETS;
        }
        while self.cursor < now_bucket && self.buckets[(self.cursor % BUCKETS) as usize].is_empty()
        {
            self.cursor += 1;
        }
        if now_bucket < self.cursor {
            return false;
        }
        let current = self.cursor;
        let index = (current % BUCKETS) as usize;
        let end = (current + 1).saturating_mul(TICK_NS);
        let mut entries = std::mem::take(&mut self.buckets[index]);
        let mut dropped = 0;
        entries.retain_mut(|e| {
            if e.due >= end {
                return true;
            }
            let due = self.origin + Duration::from_nanos(e.due);
            let Some(next) = fire(e.slot, e.generation, due) else {
                dropped += 1;
                return false;
            };
            let next = u64::try_from(next.saturating_duration_since(self.origin).as_nanos())
                .unwrap_or(u64::MAX);
            e.due = next;
            let bucket = (next / TICK_NS).max(current + 1);
            if bucket % BUCKETS == index as u64 {
                // A whole packet time later, the usual case: same phase, same bucket.
                return true;
            }
            self.buckets[(bucket % BUCKETS) as usize].push(*e);
            false
        });
        // Moved entries stay counted; only drops change the count.
        self.len -= dropped;
        self.buckets[index] = entries;
        self.cursor = current + 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_fire_every_20ms_in_their_phase_bucket() {
        let origin = Instant::now();
        let mut wheel = TimerWheel::new(origin);
        let period = Duration::from_millis(20);
        let phases = [0u64, 300, 700, 19_900];
        for (i, p) in phases.iter().enumerate() {
            wheel.insert(origin + Duration::from_micros(*p), i as u32, 0);
        }
        let mut fired: Vec<(u32, Instant, Instant)> = Vec::new();
        let mut now = origin;
        while now < origin + Duration::from_millis(100) {
            while wheel.fire_next(now, |slot, _, due| {
                fired.push((slot, now, due));
                Some(due + period)
            }) {}
            now = wheel.next_wake().unwrap();
        }
        for (i, p) in phases.iter().enumerate() {
            let times: Vec<_> = fired.iter().filter(|f| f.0 == i as u32).collect();
            assert_eq!(times.len(), 5, "stream {i}");
            for (k, (_, at, due)) in times.iter().enumerate() {
                assert_eq!(*due, origin + Duration::from_micros(*p) + period * k as u32);
                // Fired when its bucket starts: never late, at most one bucket early.
                assert!(*at <= *due && *due - *at < TICK, "stream {i} packet {k}");
            }
        }
        assert_eq!(wheel.len(), phases.len());
    }

    #[test]
    fn off_grid_deadline_moves_and_returns() {
        let origin = Instant::now();
        let mut wheel = TimerWheel::new(origin);
        wheel.insert(origin, 0, 0);
        let mut fired = Vec::new();
        let mut now = origin;
        let mut n = 0;
        while n < 4 {
            while wheel.fire_next(now, |_, _, due| {
                fired.push(due - origin);
                n += 1;
                // An RTCP deadline 7 ms after the first packet, then the grid again.
                Some(match n {
                    1 => due + Duration::from_millis(7),
                    2 => origin + Duration::from_millis(20),
                    _ => due + Duration::from_millis(20),
                })
            }) {}
            now = wheel.next_wake().unwrap();
        }
        let ms: Vec<u128> = fired.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [0, 7, 20, 40]);
        assert_eq!(wheel.len(), 1);
    }

    #[test]
    fn stale_entries_are_dropped_and_an_empty_wheel_sleeps() {
        let origin = Instant::now();
        let mut wheel = TimerWheel::new(origin);
        wheel.insert(origin + Duration::from_millis(3), 0, 0);
        // The first bucket has started but holds nothing due.
        while wheel.fire_next(origin, |_, _, _| unreachable!("not due yet")) {}
        let at = wheel.next_wake().unwrap();
        assert_eq!(at, origin + Duration::from_millis(3));
        assert!(wheel.fire_next(at, |_, _, _| None));
        assert_eq!(wheel.len(), 0);
        assert_eq!(wheel.next_wake(), None);
        // Idle for an hour: the next pass does not walk through seven million buckets.
        let later = origin + Duration::from_secs(3600);
        wheel.insert(later, 1, 0);
        let mut hits = 0;
        let mut passes = 0;
        while wheel.fire_next(later, |_, _, _| {
            hits += 1;
            None
        }) {
            passes += 1;
        }
        assert_eq!((hits, passes), (1, 1));
    }

    #[test]
    fn a_stalled_worker_fires_every_overdue_entry_once() {
        let origin = Instant::now();
        let mut wheel = TimerWheel::new(origin);
        for i in 0..40u32 {
            wheel.insert(origin + TICK * i, i, 0);
        }
        // Nothing ran for a second: one turn fires each stream once.
        let now = origin + Duration::from_secs(1);
        let mut seen = vec![0; 40];
        while wheel.fire_next(now, |slot, _, _| {
            seen[slot as usize] += 1;
            Some(now + Duration::from_millis(20))
        }) {}
        assert_eq!(seen, vec![1; 40]);
        assert_eq!(wheel.len(), 40);
    }
}
