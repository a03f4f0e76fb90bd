//! Trunk failover (issue 14, item 5), against the real daemon: trunk `a` (priority 0) is a
//! SIPp that answers every INVITE with 503 (or 408), trunk `b` (priority 1) a SIPp that
//! answers. Every call is tried on `a` first, fails over to `b` and finishes as 10 there;
//! both SIPps saw every call as scripted and the per-trunk metric counts the attempts.

use std::time::Duration;

use serde_json::json;
use voice_otp_suite::e2e::*;

const CALLS: u32 = 10;

/// `[[trunks]]` entries `a` (priority 0, at `a`) and `b` (priority 1, at `b`).
pub(crate) fn two_trunks(a: std::net::SocketAddr, b: std::net::SocketAddr) -> String {
    format!(
        "[[trunks]]\nname = \"a\"\naddress = \"{a}\"\npriority = 0\n\n\
         [[trunks]]\nname = \"b\"\naddress = \"{b}\"\npriority = 1\n"
    )
}

/// The value of the `/metrics` line starting with `series` (0 when absent).
pub(crate) async fn metric(daemon: &Daemon, series: &str) -> u64 {
    let text = daemon
        .client
        .get(daemon.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0)
}

async fn fails_over_to_b(scenario_a: &str, status: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut a = sipp_trunk(dir.path(), scenario_a, CALLS).await;
    let mut b = sipp_trunk(dir.path(), "uas_answer_bye.xml", CALLS).await;
    let receiver = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), b.addr());
    config.trunks = Some(two_trunks(a.addr(), b.addr()));
    let daemon = Daemon::start(config).await;

    for i in 0..CALLS {
        let mut body = otp_body("4829", &receiver.url());
        body["callee"] = json!(format!("+3161234{i:04}"));
        daemon.otp_call(&body).await;
    }
    let got = receiver
        .wait_for(CALLS as usize, Duration::from_secs(60))
        .await;
    for event in &got {
        let event = event.json();
        assert_eq!(event["result"]["code"], 10, "{event}\n{}", daemon.logs());
        assert!(event["answered-on"].is_string(), "{event}");
    }
    // Each SIPp ran its scenario for every call: `a` refused all ten and got our ACKs,
    // `b` answered all ten and got our BYEs.
    a.assert_ok(Duration::from_secs(15)).await;
    b.assert_ok(Duration::from_secs(15)).await;
    assert_eq!(
        metric(
            &daemon,
            &format!("voice_otp_trunk_attempts_total{{trunk=\"a\",result=\"{status}\"}}")
        )
        .await,
        u64::from(CALLS)
    );
    assert_eq!(
        metric(
            &daemon,
            "voice_otp_trunk_attempts_total{trunk=\"b\",result=\"answered\"}"
        )
        .await,
        u64::from(CALLS)
    );
    // The trunk used is in the info log; the callee never is.
    let logs = daemon.logs();
    assert!(
        logs.contains("trunk failed the call; trying the next trunk"),
        "{logs}"
    );
    assert!(
        logs.contains("trunk=\"b\"") || logs.contains("trunk=b"),
        "{logs}"
    );
    assert!(
        !logs.contains("+3161234"),
        "callee in the info log:\n{logs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trunk_failover_503_places_calls_through_b() {
    fails_over_to_b("uas_unavailable_503.xml", "503").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trunk_failover_408_places_calls_through_b() {
    fails_over_to_b("uas_timeout_408.xml", "408").await;
}
