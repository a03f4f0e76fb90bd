//! The load harness keeps working: 200 streams for 3 s over loopback, every packet sent
//! arrives, every stream is seen, and the pacing error stays within bounds loose enough for
//! a shared 2-core machine running a debug build (the release figures are in
//! docs/performance.md, RTP section).

use std::collections::HashMap;
use std::process::Command;

#[test]
fn two_hundred_streams_for_three_seconds_lose_nothing() {
    let out = Command::new(env!("CARGO_BIN_EXE_rtp-load"))
        .args([
            "--streams",
            "200",
            "--seconds",
            "3",
            "--warmup",
            "0.5",
            "--ports",
            "42000-42999",
        ])
        .output()
        .expect("run rtp-load");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "rtp-load failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kv: HashMap<&str, f64> = stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter_map(|(k, v)| Some((k, v.parse().ok()?)))
        .collect();
    let get = |k: &str| {
        *kv.get(k)
            .unwrap_or_else(|| panic!("no {k} in output:\n{stdout}"))
    };
    assert_eq!(get("streams_seen"), 200.0);
    // 200 streams x 50 packets/s x (0.5 s warm-up + 3 s), less slack for open/close.
    assert!(get("packets_sent") >= 200.0 * 50.0 * 3.0, "{stdout}");
    assert_eq!(get("packets_lost"), 0.0, "{stdout}");
    assert_eq!(get("seq_gaps"), 0.0, "{stdout}");
    assert_eq!(get("send_errors"), 0.0, "{stdout}");
    assert!(
        get("interarrival_samples") >= 200.0 * 50.0 * 2.5,
        "{stdout}"
    );
    assert!(get("interarrival_error_p50_us") <= 5_000.0, "{stdout}");
    assert!(get("interarrival_error_p99_us") <= 50_000.0, "{stdout}");
    assert!(get("send_interval_error_p50_us") <= 5_000.0, "{stdout}");
    assert!(get("send_interval_error_p99_us") <= 50_000.0, "{stdout}");
    assert!(get("pacer_fired") >= 200.0 * 50.0 * 2.5, "{stdout}");
}
