//! What the test process may do with the scheduler, so tests of real-time pacers can say
//! which outcome is right on this machine (root here and in CI: real-time).

/// Linux capability number of `CAP_SYS_NICE`.
const CAP_SYS_NICE: u32 = 23;

/// Whether this process may put a thread under `SCHED_FIFO` at `level`: `CAP_SYS_NICE` in
/// its effective set, or a soft `RLIMIT_RTPRIO` of at least `level` (what systemd's
/// `LimitRTPRIO=` sets), both read from `/proc/self`.
pub fn may_use_realtime(level: u8) -> bool {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let cap_eff = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .map(|hex| u64::from_str_radix(hex.trim(), 16).expect("CapEff is hex"))
        .expect("CapEff in /proc/self/status");
    // The soft limit, from the same place `prlimit` reads it.
    let limits = std::fs::read_to_string("/proc/self/limits").expect("read /proc/self/limits");
    let rtprio = limits
        .lines()
        .find_map(|l| l.strip_prefix("Max realtime priority"))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("Max realtime priority in /proc/self/limits");
    let rtprio_allows =
        rtprio == "unlimited" || rtprio.parse::<u64>().expect("a number") >= u64::from(level);
    cap_eff & (1 << CAP_SYS_NICE) != 0 || rtprio_allows
}
