//! The deadline heap one pacing worker drives all of its streams from.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// A min-heap of (deadline, slot, generation). Entries of closed or rescheduled slots are
/// left in place and skipped when popped (their generation no longer matches), which keeps
/// every operation O(log n) with no search.
#[derive(Debug, Default)]
pub(crate) struct DeadlineHeap {
    heap: BinaryHeap<Reverse<(Instant, u32, u32)>>,
}

impl DeadlineHeap {
    pub(crate) fn with_capacity(n: usize) -> Self {
        DeadlineHeap {
            heap: BinaryHeap::with_capacity(n),
        }
    }

    pub(crate) fn push(&mut self, at: Instant, slot: u32, generation: u32) {
        self.heap.push(Reverse((at, slot, generation)));
    }

    /// The earliest deadline, stale or not.
    pub(crate) fn peek(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Pops the earliest entry if it is due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<(Instant, u32, u32)> {
        match self.heap.peek() {
            Some(Reverse((at, _, _))) if *at <= now => {
                let Reverse(entry) = self.heap.pop()?;
                Some(entry)
            }
            _ => None,
        }
    }
}
