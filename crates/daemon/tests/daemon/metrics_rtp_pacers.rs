//! `/metrics` reports the RTP pacers of the engine `build_executor` built, read at scrape
//! time: how many there are, how many run under SCHED_FIFO, the overload guard's
//! demotions, and the send-interval error and lateness summaries. With the default
//! `[rtp] realtime-priority` (10) every pacer is real-time when the process may use
//! SCHED_FIFO (CAP_SYS_NICE or RLIMIT_RTPRIO >= 10; tests run as root) and none otherwise;
//! with 0 none is.

use std::time::{Duration, Instant};

use crate::common::{Env, metric, start_with_real_engine};
use voice_otp_daemon::{Config, Daemon};
use voice_otp_testkit::sched::may_use_realtime;

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

async fn scrape(daemon: &Daemon) -> String {
    let resp = reqwest::get(format!("http://{}/metrics", daemon.local_addr()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.text().await.unwrap()
}

/// Pacer threads apply their scheduling when they start, just after the engine does:
/// scrapes until the real-time count is `want(pacers)` or a few seconds passed.
async fn scrape_until(daemon: &Daemon, want: impl Fn(f64) -> f64) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = scrape(daemon).await;
        let pacers = metric(&text, "voice_otp_rtp_pacers");
        if metric(&text, "voice_otp_rtp_pacers_realtime") == want(pacers)
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
    assert_eq!(metric(text, "voice_otp_rtp_pacer_demotions_total"), 0.0);
    for name in [
        "voice_otp_rtp_send_interval_error_seconds",
        "voice_otp_rtp_pacer_lateness_seconds",
    ] {
        for q in ["0.5", "0.99", "0.999"] {
            let v = metric(text, &format!("{name}{{quantile=\"{q}\"}}"));
            assert!(v.is_nan(), "{name} {q} is {v} with no packet sent");
        }
        assert_eq!(metric(text, &format!("{name}_count")), 0.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_config_makes_every_pacer_realtime_when_permitted() {
    let env = Env::new();
    let config = config(&env, 46_200, None);
    assert_eq!(config.rtp.realtime_priority, 10, "the default");
    let permitted = may_use_realtime(10);
    let daemon = start_with_real_engine(config).await;
    let text = scrape_until(&daemon, |pacers| if permitted { pacers } else { 0.0 }).await;
    let pacers = metric(&text, "voice_otp_rtp_pacers");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(pacers, cores as f64, "one pacer per core by default");
    let realtime = metric(&text, "voice_otp_rtp_pacers_realtime");
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
    let daemon = start_with_real_engine(config(&env, 46_300, Some(0))).await;
    // Long enough for the pacer threads to have started and applied their scheduling
    // (the test above sees real-time pacers within a few milliseconds).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let text = scrape(&daemon).await;
    assert!(metric(&text, "voice_otp_rtp_pacers") >= 1.0, "{text}");
    assert_eq!(
        metric(&text, "voice_otp_rtp_pacers_realtime"),
        0.0,
        "{text}"
    );
    check_series(&text);
    daemon.shutdown().await.unwrap();
}
