//! `PacerPriority::Realtime` puts every pacing thread under SCHED_FIFO at the asked level
//! when the process may (root, CAP_SYS_NICE or RLIMIT_RTPRIO), and leaves them time-sharing
//! (with a warning) when it may not; `PacerPriority::Normal` leaves them time-sharing. The
//! kernel's view of each thread (`/proc/self/task/*/stat`) is checked, not only the engine's.
//! Tests run as root here and in CI, so the real-time branch is the one exercised there.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::common::engine::{alone_in_own_process, loopback_config, pcma_to};
use bytes::Bytes;
use voice_otp_rtp::{MediaEngine, PacerPriority, SlicedFrames};
use voice_otp_testkit::sched::may_use_realtime;

const SCHED_OTHER: u32 = 0;
const SCHED_FIFO: u32 = 1;

/// (scheduling policy, real-time priority) of every thread named `rtp-pacer-*`.
fn pacer_threads() -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.starts_with("rtp-pacer-") {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap();
        // Fields after "(comm) " start at field 3; rt_priority is field 40, policy 41.
        let rest = stat.rsplit_once(") ").unwrap().1;
        let f: Vec<&str> = rest.split_whitespace().collect();
        out.push((f[38].parse().unwrap(), f[37].parse().unwrap()));
    }
    out
}

fn engine(priority: PacerPriority, ports: &str) -> MediaEngine {
    let mut config = loopback_config(ports, 2);
    config.pacer_priority = priority;
    MediaEngine::start(config).unwrap()
}

/// Waits (bounded) until the pacers have applied their priority, which they do first thing.
fn settled(engine: &MediaEngine, want_realtime: usize) -> usize {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let now = engine.pacer_scheduling().realtime;
        if now == want_realtime || Instant::now() > until {
            return now;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realtime_pacers_run_sched_fifo_and_still_pace() {
    // Other tests' pacers live in this binary too: count only ours.
    if !alone_in_own_process(
        "realtime_pacers_when_permitted::realtime_pacers_run_sched_fifo_and_still_pace",
    ) {
        return;
    }
    let permitted = may_use_realtime(10);
    let rt = engine(PacerPriority::Realtime(10), "43100-43139");
    let want = if permitted { 2 } else { 0 };
    assert_eq!(settled(&rt, want), want, "permitted: {permitted}");
    let threads = pacer_threads();
    assert_eq!(threads.len(), 2);
    for (policy, level) in &threads {
        if permitted {
            assert_eq!((*policy, *level), (SCHED_FIFO, 10));
        } else {
            assert_eq!((*policy, *level), (SCHED_OTHER, 0));
        }
    }
    let scheduling = rt.pacer_scheduling();
    assert_eq!((scheduling.pacers, scheduling.demotions), (2, 0));

    // A real-time pacer still paces: a stream of 10 frames arrives 20 ms apart.
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let remote: SocketAddr = peer.local_addr().unwrap();
    let (stream, _events) = rt.open_stream(pcma_to(&rt, remote, 5)).await.unwrap();
    stream
        .play_source(
            voice_otp_rtp::PlayId(0),
            Box::new(SlicedFrames::new(Bytes::from(vec![0xd5; 1600]), 160)),
        )
        .unwrap();
    let mut buf = [0u8; 1500];
    let mut arrivals = Vec::new();
    while arrivals.len() < 10 {
        peer.recv(&mut buf).expect("RTP from the real-time pacer");
        arrivals.push(Instant::now());
    }
    // Nominally 180 ms. Loose enough for a busy shared machine (a late pacer catches up, so
    // the span can also shrink); the precision target is measured by `make rtp-capacity`.
    let span = arrivals[9] - arrivals[0];
    assert!(
        span >= Duration::from_millis(100) && span <= Duration::from_millis(600),
        "9 intervals took {span:?}"
    );
    let stats = stream.close().await;
    assert!(stats.sent.packets >= 10);
    drop(rt);

    // The default leaves the pacers time-sharing.
    let normal = engine(PacerPriority::Normal, "43140-43179");
    assert_eq!(settled(&normal, 0), 0);
    // A new thread names itself once it runs: wait (bounded) for both names.
    let until = Instant::now() + Duration::from_secs(5);
    while pacer_threads().len() < 2 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    let threads = pacer_threads();
    assert_eq!(threads.len(), 2);
    assert!(
        threads.iter().all(|t| *t == (SCHED_OTHER, 0)),
        "{threads:?}"
    );
}
