//! `/metrics` reports the RTP pacers of the engine `build_executor` built, read at scrape
//! time: how many there are, how many run under SCHED_FIFO, the overload guard's
//! demotions, and the send-interval error and lateness summaries. With the default
//! `[rtp] realtime-priority` (10) every pacer is real-time when the process may use
//! SCHED_FIFO (CAP_SYS_NICE or RLIMIT_RTPRIO >= 10; tests run as root) and none otherwise;
//! with 0 none is.

mod common;

use std::time::{Duration, Instant};

use common::Env;
use voice_otp_daemon::engine::build_executor;
use voice_otp_daemon::{Config, Daemon, Metrics};

/// CAP_SYS_NICE in the effective set, or an RLIMIT_RTPRIO that allows `level`.
fn may_use_fifo(level: u64) -> bool {
    const CAP_SYS_NICE: u32 = 23;
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let cap_eff = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .map(|hex| u64::from_str_radix(hex.trim(), 16).unwrap())
        .expect("CapEff in /proc/self/status");
    // The soft RLIMIT_RTPRIO, from the same place `prlimit` reads it (no extra crate).
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let rtprio = limits
        .lines()
        .find_map(|l| l.strip_prefix("Max realtime priority"))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("Max realtime priority in /proc/self/limits");
    let rtprio_allows = rtprio == "unlimited" || rtprio.parse::<u64>().unwrap() >= level;
    cap_eff & (1 << CAP_SYS_NICE) != 0 || rtprio_allows
}

fn config(env: &Env, rtp_first: u16, realtime_priority: Option<u8>) -> Config {
    let mut config = env.config();
    config.sip.listen = "127.0.0.1:0".parse().unwrap();
    config.rtp.ports.first = rtp_first;
    config.rtp.ports.last = rtp_first + 15;
    if let Some(level) = realtime_priority {
        config.rtp.realtime_priority = level;
    }
    config
}

async fn start(config: Config) -> Daemon {
    let metrics = Metrics::new();
    let executor = build_executor(&config, &metrics)
        .await
        .expect("engine builds");
    Daemon::start_with_metrics(config, executor, metrics)
        .await
        .unwrap()
}

async fn scrape(daemon: &Daemon) -> String {
    let resp = reqwest::get(format!("http://{}/metrics", daemon.local_addr()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.text().await.unwrap()
}

/// The value of the sample line named exactly `series` (name and labels).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
        .parse()
        .unwrap_or_else(|_| panic!("{series} is not a number in\n{text}"))
}

/// Pacer threads apply their scheduling when they start, just after the engine does:
/// scrapes until the real-time count is `want(pacers)` or a few seconds passed.
async fn scrape_until(daemon: &Daemon, want: impl Fn(f64) -> f64) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = scrape(daemon).await;
        let pacers = value(&text, "voice_otp_rtp_pacers");
        if value(&text, "voice_otp_rtp_pacers_realtime") == want(pacers)
            || Instant::now() > deadline
        {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Types and the figures that need no call: a summary per pacing figure with its three
/// quantiles (NaN before the first packet) and a sample count of 0.
fn check_series(text: &str) {
    for line in [
        "# TYPE voice_otp_rtp_pacers gauge",
        "# TYPE voice_otp_rtp_pacers_realtime gauge",
        "# TYPE voice_otp_rtp_pacer_demotions_total counter",
        "# TYPE voice_otp_rtp_send_interval_error_seconds summary",
        "# TYPE voice_otp_rtp_pacer_lateness_seconds summary",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    assert_eq!(value(text, "voice_otp_rtp_pacer_demotions_total"), 0.0);
    for name in [
        "voice_otp_rtp_send_interval_error_seconds",
        "voice_otp_rtp_pacer_lateness_seconds",
    ] {
        for q in ["0.5", "0.99", "0.999"] {
            let v = value(text, &format!("{name}{{quantile=\"{q}\"}}"));
            assert!(v.is_nan(), "{name} {q} is {v} with no packet sent");
        }
        assert_eq!(value(text, &format!("{name}_count")), 0.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_config_makes_every_pacer_realtime_when_permitted() {
    let env = Env::new();
    let config = config(&env, 46_200, None);
    assert_eq!(config.rtp.realtime_priority, 10, "the default");
    let permitted = may_use_fifo(10);
    let daemon = start(config).await;
    let text = scrape_until(&daemon, |pacers| if permitted { pacers } else { 0.0 }).await;
    let pacers = value(&text, "voice_otp_rtp_pacers");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(pacers, cores as f64, "one pacer per core by default");
    let realtime = value(&text, "voice_otp_rtp_pacers_realtime");
    if permitted {
        assert_eq!(realtime, pacers, "may use SCHED_FIFO:\n{text}");
    } else {
        assert_eq!(realtime, 0.0, "may not use SCHED_FIFO:\n{text}");
    }
    check_series(&text);
    daemon.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realtime_priority_zero_keeps_every_pacer_time_sharing() {
    let env = Env::new();
    let daemon = start(config(&env, 46_300, Some(0))).await;
    // Long enough for the pacer threads to have started and applied their scheduling
    // (the test above sees real-time pacers within a few milliseconds).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let text = scrape(&daemon).await;
    assert!(value(&text, "voice_otp_rtp_pacers") >= 1.0, "{text}");
    assert_eq!(value(&text, "voice_otp_rtp_pacers_realtime"), 0.0, "{text}");
    check_series(&text);
    daemon.shutdown().await.unwrap();
}
