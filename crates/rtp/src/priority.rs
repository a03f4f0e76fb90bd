//! How the pacing threads are scheduled, and the guard that keeps a real-time pacer from
//! starving the rest of the daemon.
//!
//! A pacer sleeps until its next 0.5 ms bucket and must then get a CPU at once: every
//! scheduling delay is heard by the callee as jitter. Under the default time-sharing
//! scheduler a woken pacer waits behind whatever else runs (measured at 5,000 streams on 2
//! cores: p99 send-interval error 3-5 ms with ~0.5 core idle). `SCHED_FIFO` makes it preempt
//! every time-sharing thread the moment its timer fires, as Asterisk's `highpriority` and
//! FreeSWITCH's `-rp` do. The price: a real-time pacer with more work than fits in its CPU
//! would never yield it to SIP and HTTP. [`OverloadGuard`] watches each pacer's busy share
//! and drops it back to time-sharing while it is overloaded.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use thread_priority::{
    NormalThreadSchedulePolicy, RealtimeThreadSchedulePolicy, ThreadPriority, ThreadPriorityValue,
    ThreadSchedulePolicy, set_thread_priority_and_policy, thread_native_id,
};

/// How the pacing threads are scheduled ([`EngineConfig::pacer_priority`](crate::EngineConfig)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PacerPriority {
    /// The operating system's default: time-sharing at nice 0.
    #[default]
    Normal,
    /// Time-sharing at this nice value (-20 = most favoured .. 19). Measured not to help
    /// much: a woken thread still waits for the running one's time slice.
    Nice(i32),
    /// `SCHED_FIFO` at this priority (1..=99; a low value such as 10 is plenty, it only has
    /// to beat time-sharing threads). Needs root, `CAP_SYS_NICE` or an `RLIMIT_RTPRIO` of at
    /// least this value (systemd: `LimitRTPRIO=`); without it the pacer stays time-sharing
    /// and a warning is logged. Guarded: a pacer busy more than [`DEMOTE_ABOVE`] of a
    /// second drops back to time-sharing until it is below [`PROMOTE_BELOW`] again for
    /// [`CALM_WINDOWS`] seconds.
    Realtime(u8),
}

/// Busy share of a one-second window above which a real-time pacer is dropped to
/// time-sharing, leaving the CPU to SIP, HTTP and the store for the rest of that overload.
///
/// High on purpose: a demoted pacer loses to every other thread and falls further behind,
/// so demotion only pays once the pacer cannot keep up anyway (at 5,000 streams on 2 cores
/// a pacer is ~60 % busy, and a compiler on both cores pushed that past 75 %, where an
/// earlier threshold turned a busy second into 20 ms of jitter for good).
pub const DEMOTE_ABOVE: f64 = 0.9;
/// Busy share (wall time, so time spent preempted counts) below which a demoted pacer counts
/// a window as calm.
pub const PROMOTE_BELOW: f64 = 0.7;
/// Calm windows in a row before a demoted pacer is real-time again.
pub const CALM_WINDOWS: u32 = 5;
/// Length of one guard window.
pub const GUARD_WINDOW: Duration = Duration::from_secs(1);

/// What the guard asks of its pacer at the end of a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GuardAction {
    /// Overloaded while real-time: switch to time-sharing.
    Demote,
    /// Calm long enough after a demotion: real-time again.
    Promote,
}

/// Sans-IO: fed the pacer's busy stretches, tells it when to leave and regain real-time
/// scheduling. Reads no clock; the pacer passes the times it has read anyway.
#[derive(Debug)]
pub(crate) struct OverloadGuard {
    window_start: Option<Instant>,
    busy: Duration,
    realtime: bool,
    calm: u32,
}

impl OverloadGuard {
    /// A guard for a pacer that is real-time now (`realtime`) or not.
    pub(crate) fn new(realtime: bool) -> Self {
        OverloadGuard {
            window_start: None,
            busy: Duration::ZERO,
            realtime,
            calm: 0,
        }
    }

    /// The pacer worked from `start` to `end`. At the end of a window, returns what to do.
    pub(crate) fn on_busy(&mut self, start: Instant, end: Instant) -> Option<GuardAction> {
        let window_start = *self.window_start.get_or_insert(start);
        self.busy += end.saturating_duration_since(start);
        let elapsed = end.saturating_duration_since(window_start);
        if elapsed < GUARD_WINDOW {
            return None;
        }
        let share = self.busy.as_secs_f64() / elapsed.as_secs_f64();
        self.window_start = Some(end);
        self.busy = Duration::ZERO;
        if self.realtime {
            if share > DEMOTE_ABOVE {
                self.realtime = false;
                self.calm = 0;
                return Some(GuardAction::Demote);
            }
        } else if share < PROMOTE_BELOW {
            self.calm += 1;
            if self.calm >= CALM_WINDOWS {
                self.realtime = true;
                self.calm = 0;
                return Some(GuardAction::Promote);
            }
        } else {
            self.calm = 0;
        }
        None
    }
}

/// How the engine's pacers are scheduled right now ([`MediaEngine::pacer_scheduling`](crate::MediaEngine::pacer_scheduling)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacerScheduling {
    /// Pacing threads.
    pub pacers: usize,
    /// Of them, running under `SCHED_FIFO` now.
    pub realtime: usize,
    /// Times a pacer was dropped to time-sharing for overload, since start.
    pub demotions: u64,
}

/// One pacer's scheduling state, written by the pacer, read for the figures.
#[derive(Debug, Default)]
pub(crate) struct PacerState {
    pub(crate) realtime: AtomicBool,
    pub(crate) demotions: AtomicU64,
}

impl PacerState {
    pub(crate) fn summarize(states: &[Arc<PacerState>]) -> PacerScheduling {
        PacerScheduling {
            pacers: states.len(),
            realtime: states
                .iter()
                .filter(|s| s.realtime.load(Ordering::Relaxed))
                .count(),
            demotions: states
                .iter()
                .map(|s| s.demotions.load(Ordering::Relaxed))
                .sum(),
        }
    }
}

/// Applies `priority` to the calling thread; whether it now runs real-time.
pub(crate) fn apply(priority: PacerPriority) -> bool {
    match priority {
        PacerPriority::Normal => false,
        PacerPriority::Nice(nice) => {
            let tid = rustix::thread::gettid();
            if let Err(e) = rustix::process::setpriority_process(Some(tid), nice) {
                tracing::warn!(nice, error = %e, "cannot set the RTP pacer's nice value; pacing jitter under CPU contention will be higher");
            }
            false
        }
        PacerPriority::Realtime(level) => match set_realtime(level) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(priority = level, error = %e, "cannot make the RTP pacer real-time (needs root, CAP_SYS_NICE or LimitRTPRIO); it stays time-sharing and pacing jitter under CPU contention will be higher");
                false
            }
        },
    }
}

/// `SCHED_FIFO` at `level` for the calling thread.
pub(crate) fn set_realtime(level: u8) -> Result<(), String> {
    let value = ThreadPriorityValue::try_from(level)?;
    set_thread_priority_and_policy(
        thread_native_id(),
        ThreadPriority::Crossplatform(value),
        ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo),
    )
    .map_err(|e| format!("{e:?}"))
}

/// Back to `SCHED_OTHER` at nice 0 for the calling thread.
pub(crate) fn set_time_sharing() -> Result<(), String> {
    let policy = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Other);
    // The crate maps its 0..=99 scale onto nice values; take the one it maps to nice 0
    // through its own public mapping rather than hard-coding its arithmetic.
    let nice_zero = (0..=*ThreadPriorityValue::MAX)
        .filter_map(|p| ThreadPriorityValue::try_from(p).ok())
        .map(ThreadPriority::Crossplatform)
        .find(|p| p.to_posix(policy).is_ok_and(|n| n == 0))
        .ok_or("no priority value maps to nice 0")?;
    set_thread_priority_and_policy(thread_native_id(), nice_zero, policy)
        .map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `share` of every 20 ms as busy for `seconds`, collecting the guard's actions.
    fn run(
        guard: &mut OverloadGuard,
        t: &mut Instant,
        share: f64,
        seconds: u32,
    ) -> Vec<GuardAction> {
        let tick = Duration::from_millis(20);
        let mut actions = Vec::new();
        for _ in 0..seconds * 50 {
            let start = *t;
            let end = start + tick.mul_f64(share);
            actions.extend(guard.on_busy(start, end));
            *t += tick;
        }
        actions
    }

    #[test]
    fn a_pacer_within_budget_stays_realtime() {
        let mut t = Instant::now();
        let mut guard = OverloadGuard::new(true);
        assert!(run(&mut guard, &mut t, 0.85, 30).is_empty());
    }

    #[test]
    fn an_overloaded_pacer_is_demoted_within_two_windows() {
        let mut t = Instant::now();
        let mut guard = OverloadGuard::new(true);
        let actions = run(&mut guard, &mut t, 0.95, 2);
        assert_eq!(actions, [GuardAction::Demote]);
        // Still overloaded: nothing more to do.
        assert!(run(&mut guard, &mut t, 0.95, 20).is_empty());
    }

    #[test]
    fn a_demoted_pacer_returns_after_five_calm_windows_in_a_row() {
        let mut t = Instant::now();
        let mut guard = OverloadGuard::new(true);
        assert_eq!(run(&mut guard, &mut t, 1.0, 2), [GuardAction::Demote]);
        // Four calm seconds, then a busy one (0.8: not calm, not overloaded) resets the count.
        assert!(run(&mut guard, &mut t, 0.3, 4).is_empty());
        assert!(run(&mut guard, &mut t, 0.8, 1).is_empty());
        assert!(run(&mut guard, &mut t, 0.3, 4).is_empty());
        let actions = run(&mut guard, &mut t, 0.3, 2);
        assert_eq!(actions, [GuardAction::Promote]);
    }

    /// (policy, nice) of the calling thread, from the kernel.
    fn own_policy_and_nice() -> (u32, i32) {
        let tid = rustix::thread::gettid().as_raw_nonzero().get();
        let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap();
        let f: Vec<&str> = stat
            .rsplit_once(") ")
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        // Field 19 is nice, 41 policy (counting from 1; `f` starts at field 3).
        (f[38].parse().unwrap(), f[16].parse().unwrap())
    }

    #[test]
    fn demotion_returns_a_realtime_thread_to_time_sharing_at_nice_zero() {
        std::thread::spawn(|| {
            match set_realtime(10) {
                Ok(()) => assert_eq!(own_policy_and_nice().0, 1, "SCHED_FIFO"),
                // Not permitted (no root, CAP_SYS_NICE or RLIMIT_RTPRIO): nothing changed.
                Err(_) => assert_eq!(own_policy_and_nice(), (0, 0)),
            }
            set_time_sharing().unwrap();
            assert_eq!(own_policy_and_nice(), (0, 0), "SCHED_OTHER at nice 0");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn out_of_range_realtime_levels_are_refused() {
        std::thread::spawn(|| {
            assert!(set_realtime(100).is_err());
            assert_eq!(own_policy_and_nice(), (0, 0));
        })
        .join()
        .unwrap();
    }
}
