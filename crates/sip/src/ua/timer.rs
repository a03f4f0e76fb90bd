//! Transaction timers as one typed table, in quinn-proto's `TimerTable` shape: every client
//! transaction holds a deadline per [`Timer`], and a call's next deadline is their minimum.

use std::time::Instant;

/// The RFC 3261 17.1 client transaction timers, plus the guard of a cancelled INVITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Timer {
    /// INVITE retransmission over UDP, doubling from T1 (Calling only).
    A,
    /// INVITE transaction timeout: 64*T1 without any response.
    B,
    /// Completed: absorb retransmitted non-2xx finals (32 s, zero on TCP). In Accepted it is
    /// RFC 6026's Timer L, matching retransmitted 2xx for 64*T1.
    D,
    /// Give up on a cancelled INVITE that never gets a final response (RFC 3261 9.1).
    CancelGuard,
    /// Non-INVITE retransmission over UDP, doubling up to T2.
    E,
    /// Non-INVITE transaction timeout: 64*T1 without a final response.
    F,
    /// Completed non-INVITE: absorb retransmitted finals for T4 (zero on TCP).
    K,
}

impl Timer {
    const COUNT: usize = 7;
}

/// One deadline slot per [`Timer`]; unset slots are `None`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct TimerTable {
    data: [Option<Instant>; Timer::COUNT],
}

impl TimerTable {
    pub(super) fn set(&mut self, timer: Timer, at: Instant) {
        self.data[timer as usize] = Some(at);
    }

    pub(super) fn stop(&mut self, timer: Timer) {
        self.data[timer as usize] = None;
    }

    pub(super) fn stop_all(&mut self) {
        self.data = [None; Timer::COUNT];
    }

    pub(super) fn is_set(&self, timer: Timer) -> bool {
        self.data[timer as usize].is_some()
    }

    /// Whether `timer` is set and due at `now`.
    pub(super) fn is_due(&self, timer: Timer, now: Instant) -> bool {
        self.data[timer as usize].is_some_and(|at| at <= now)
    }

    /// The earliest deadline set, if any.
    pub(super) fn next_timeout(&self) -> Option<Instant> {
        self.data.iter().flatten().min().copied()
    }
}
