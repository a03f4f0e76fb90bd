//! How the pacing threads are scheduled, and the guard that keeps a real-time pacer from
//! starving the rest of the daemon.
//!
//! A pacer sleeps until its next 0.5 ms bucket and must then get a CPU at once: every
//! scheduling delay is heard by the callee as jitter. Under the default time-sharing
//! scheduler a woken pacer waits behind whatever else runs (measured at 5,000 streams on 2
//! cores: p99 send-interval error 3-5 ms with ~0.5 core idle). `SCHED_FIFO` makes it preempt
//! every time-sharing thread the moment its timer fires, as Asterisk's `highpriority` and
//! FreeSWITCH's `-rp` do. The price: a real-time pacer with more work than fits in its CPU
//! would never yield it to SIP and HTTP. `OverloadGuard` watches each pacer's share of a CPU
//! (its thread's CPU time per second) and drops it back to time-sharing while it is
//! overloaded.

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
    /// and a warning is logged. Guarded: a pacer using more than [`DEMOTE_ABOVE`] of a CPU
    /// for [`OVERLOADED_WINDOWS`] seconds in a row drops back to time-sharing until it is
    /// below [`PROMOTE_BELOW`] again for [`CALM_WINDOWS`] seconds in a row.
    Realtime(u8),
}

/// Share of one CPU (the pacer thread's CPU time over a one-second window) above which a
/// real-time pacer counts a window as overloaded; after [`OVERLOADED_WINDOWS`] of them in a
/// row it is dropped to time-sharing, leaving the rest to SIP, HTTP and the store for the
/// rest of that overload.
///
/// High and slow on purpose: a demoted pacer loses to every other thread and falls further
/// behind, so demotion only pays once the pacer cannot keep up anyway. Measured on 2 cores:
/// 5,000 streams take ~60 % of a CPU per pacer, 6,500 streams 73-79 % per window (fine in
/// real time, p99 0.3 ms), 8,000 ~89 % (overloaded: the rest of the box starves). Guards
/// that fired on one window above 85 % (CPU time) or 90 % (wall time of the passes) fired
/// at 6,500 streams, and the demoted pacers never caught up again.
pub const DEMOTE_ABOVE: f64 = 0.9;
/// Overloaded windows in a row before a real-time pacer is demoted.
pub const OVERLOADED_WINDOWS: u32 = 3;
/// CPU share below which a demoted pacer counts a window as calm.
pub const PROMOTE_BELOW: f64 = 0.8;
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

/// Sans-IO: told the time after each pass, asks for the pacer thread's CPU time once per
/// window, and tells the pacer when to leave and regain real-time scheduling.
#[derive(Debug)]
pub(crate) struct OverloadGuard {
    /// Start of the current window and the thread's CPU time then.
    window: Option<(Instant, Duration)>,
    realtime: bool,
    /// Overloaded windows in a row (while real-time) or calm ones (while demoted).
    streak: u32,
}

impl OverloadGuard {
    /// A guard for a pacer that has just become real-time (a pacer that could not has no
    /// guard).
    pub(crate) fn new() -> Self {
        OverloadGuard {
            window: None,
            realtime: true,
            streak: 0,
        }
    }

    /// A pass ended at `now`. At the end of a window, reads the thread's CPU time through
    /// `cpu_time` (a system call, so once per window) and returns what to do.
    pub(crate) fn on_pass(
        &mut self,
        now: Instant,
        cpu_time: impl FnOnce() -> Duration,
    ) -> Option<GuardAction> {
        let Some((start, cpu_then)) = self.window else {
            self.window = Some((now, cpu_time()));
            return None;
        };
        let elapsed = now.saturating_duration_since(start);
        if elapsed < GUARD_WINDOW {
            return None;
        }
        let cpu_now = cpu_time();
        let share = cpu_now.saturating_sub(cpu_then).as_secs_f64() / elapsed.as_secs_f64();
        self.window = Some((now, cpu_now));
        let (counts, limit) = if self.realtime {
            (share > DEMOTE_ABOVE, OVERLOADED_WINDOWS)
        } else {
            (share < PROMOTE_BELOW, CALM_WINDOWS)
        };
        self.streak = if counts { self.streak + 1 } else { 0 };
        if self.streak < limit {
            return None;
        }
        self.streak = 0;
        self.realtime = !self.realtime;
        Some(if self.realtime {
            GuardAction::Promote
        } else {
            GuardAction::Demote
        })
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

/// RTP packets of all streams since the engine started ([`MediaEngine::packet_totals`](crate::MediaEngine::packet_totals)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketTotals {
    /// RTP packets handed to the kernel.
    pub sent: u64,
    /// RTP packets received and accepted (right source, payload type and format).
    pub received: u64,
    /// Datagrams dropped because they came from a source the stream does not accept (a
    /// stranger spraying the port range, or a far end that moved after the stream settled).
    pub rejected_source: u64,
}

/// One pacer's state and counters, written by the pacer, read for the figures.
#[derive(Debug, Default)]
pub(crate) struct PacerState {
    pub(crate) realtime: AtomicBool,
    pub(crate) demotions: AtomicU64,
    pub(crate) rtp_sent: AtomicU64,
    pub(crate) rtp_received: AtomicU64,
    pub(crate) rtp_rejected_source: AtomicU64,
}

impl PacerState {
    /// Counts one packet. Each counter has one writer (its pacer), so a plain load and store
    /// do instead of a locked read-modify-write per packet; readers may be one behind.
    pub(crate) fn count(counter: &AtomicU64) {
        counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }

    pub(crate) fn packet_totals(states: &[Arc<PacerState>]) -> PacketTotals {
        let sum = |f: fn(&PacerState) -> &AtomicU64| {
            states.iter().map(|s| f(s).load(Ordering::Relaxed)).sum()
        };
        PacketTotals {
            sent: sum(|s| &s.rtp_sent),
            received: sum(|s| &s.rtp_received),
            rejected_source: sum(|s| &s.rtp_rejected_source),
        }
    }

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

/// CPU time the calling thread has used (user + system).
pub(crate) fn thread_cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
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

    /// A pacer whose thread uses `share` of a CPU for `seconds`, one pass per 20 ms (virtual
    /// time and virtual CPU time), collecting the guard's actions.
    fn run(
        guard: &mut OverloadGuard,
        t: &mut Instant,
        cpu: &mut Duration,
        share: f64,
        seconds: u32,
    ) -> Vec<GuardAction> {
        let tick = Duration::from_millis(20);
        let mut actions = Vec::new();
        for _ in 0..seconds * 50 {
            *t += tick;
            *cpu += tick.mul_f64(share);
            let c = *cpu;
            actions.extend(guard.on_pass(*t, || c));
        }
        actions
    }

    #[test]
    fn a_pacer_within_budget_stays_realtime() {
        let (mut t, mut cpu) = (Instant::now(), Duration::ZERO);
        let mut guard = OverloadGuard::new();
        assert!(run(&mut guard, &mut t, &mut cpu, 0.85, 30).is_empty());
        // Two overloaded seconds between normal ones are a spike, not an overload.
        for _ in 0..5 {
            assert!(run(&mut guard, &mut t, &mut cpu, 0.95, 2).is_empty());
            assert!(run(&mut guard, &mut t, &mut cpu, 0.75, 1).is_empty());
        }
    }

    #[test]
    fn a_pacer_overloaded_for_three_seconds_is_demoted() {
        let (mut t, mut cpu) = (Instant::now(), Duration::ZERO);
        let mut guard = OverloadGuard::new();
        // The first window starts with the first pass: 3 windows need 3 s and one pass.
        let actions = run(&mut guard, &mut t, &mut cpu, 0.95, 4);
        assert_eq!(actions, [GuardAction::Demote]);
        // Still overloaded: nothing more to do.
        assert!(run(&mut guard, &mut t, &mut cpu, 0.95, 20).is_empty());
    }

    #[test]
    fn a_demoted_pacer_returns_after_five_calm_windows_in_a_row() {
        let (mut t, mut cpu) = (Instant::now(), Duration::ZERO);
        let mut guard = OverloadGuard::new();
        assert_eq!(
            run(&mut guard, &mut t, &mut cpu, 1.0, 4),
            [GuardAction::Demote]
        );
        // Four calm seconds, then a busy one (0.85: not calm) resets the count.
        assert!(run(&mut guard, &mut t, &mut cpu, 0.5, 4).is_empty());
        assert!(run(&mut guard, &mut t, &mut cpu, 0.85, 1).is_empty());
        assert!(run(&mut guard, &mut t, &mut cpu, 0.5, 4).is_empty());
        let actions = run(&mut guard, &mut t, &mut cpu, 0.5, 2);
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
