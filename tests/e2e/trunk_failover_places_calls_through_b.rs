//! Trunk failover (issue 14, item 5), against the real daemon: trunk `a` (priority 0) is a
//! SIPp that answers every INVITE with 503 (or 408), trunk `b` (priority 1) a SIPp that
//! answers. Every call is tried on `a` first, fails over to `b` and finishes as 10 there;
//! both SIPps saw every call as scripted and the per-trunk metric counts the attempts.

use std::time::Duration;

use serde_json::json;
use voice_otp_suite::e2e::*;

const CALLS: u32 = 10;

/// Two SIPp trunks running `scenario_a` and `scenario_b` for `calls` calls each, a
/// callback receiver, and the daemon dialling through `[[trunks]]` `a` (priority 0) and
/// `b` (priority 1), with `calls` OTP instructions posted (callees differ per call).
pub(crate) struct TwoTrunks {
    pub a: Sipp,
    pub b: Sipp,
    pub receiver: Receiver,
    pub daemon: Daemon,
    _dir: tempfile::TempDir,
}

impl TwoTrunks {
    pub(crate) async fn start(scenario_a: &str, scenario_b: &str, calls: u32) -> TwoTrunks {
        TwoTrunks::start_with_env(scenario_a, scenario_b, calls, &[]).await
    }

    /// [`TwoTrunks::start`], the daemon run with `env` (`VOICE_OTP_*` overrides).
    pub(crate) async fn start_with_env(
        scenario_a: &str,
        scenario_b: &str,
        calls: u32,
        env: &[(&str, &str)],
    ) -> TwoTrunks {
        let dir = tempfile::tempdir().unwrap();
        let a = sipp_trunk(dir.path(), scenario_a, calls).await;
        let b = sipp_trunk(dir.path(), scenario_b, calls).await;
        let receiver = Receiver::start(&[]).await;
        let mut config = DaemonConfig::new(dir.path(), b.addr());
        config.trunks = Some(format!(
            "[[trunks]]\nname = \"a\"\naddress = \"{}\"\npriority = 0\n\n\
             [[trunks]]\nname = \"b\"\naddress = \"{}\"\npriority = 1\n",
            a.addr(),
            b.addr()
        ));
        config.env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let daemon = Daemon::start(config).await;
        for i in 0..calls {
            let mut body = otp_body("4829", &receiver.url());
            body["callee"] = json!(format!("+3161234{i:04}"));
            daemon.otp_call(&body).await;
        }
        TwoTrunks {
            a,
            b,
            receiver,
            daemon,
            _dir: dir,
        }
    }

    /// The value of the `/metrics` series `voice_otp_trunk_attempts_total` for `trunk` and
    /// `result` (0 when absent).
    pub(crate) async fn attempts(&self, trunk: &str, result: &str) -> u64 {
        let series =
            format!("voice_otp_trunk_attempts_total{{trunk=\"{trunk}\",result=\"{result}\"}} ");
        let text = self.daemon.metrics().await;
        text.lines()
            .find_map(|l| l.strip_prefix(series.as_str())?.parse().ok())
            .unwrap_or(0)
    }
}

async fn fails_over_to_b(scenario_a: &str, status: &str) {
    let mut t = TwoTrunks::start(scenario_a, "uas_answer_bye.xml", CALLS).await;
    let got = t
        .receiver
        .wait_for(CALLS as usize, Duration::from_secs(60))
        .await;
    for event in &got {
        let event = event.json();
        assert_eq!(event["result"]["code"], 10, "{event}\n{}", t.daemon.logs());
        assert!(event["answered-on"].is_string(), "{event}");
    }
    // Each SIPp ran its scenario for every call: `a` refused all ten and got our ACKs,
    // `b` answered all ten and got our BYEs.
    t.a.assert_ok(Duration::from_secs(15)).await;
    t.b.assert_ok(Duration::from_secs(15)).await;
    assert_eq!(t.attempts("a", status).await, u64::from(CALLS));
    assert_eq!(t.attempts("b", "answered").await, u64::from(CALLS));
    // The trunk used is in the info log; the callee never is.
    let logs = t.daemon.logs();
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

/// The `a=crypto` lines of every INVITE SIPp received.
fn offered_keys(messages: &str) -> Vec<String> {
    messages
        .lines()
        .filter(|l| l.starts_with("a=crypto:"))
        .map(str::to_owned)
        .collect()
}

/// With SRTP offered, the INVITE to `b` carries fresh keys: `a`, which refused the call,
/// never holds the keys that protect the code's audio towards the callee.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trunk_failover_offers_fresh_srtp_keys_to_b() {
    let mut t = TwoTrunks::start_with_env(
        "uas_unavailable_503.xml",
        "uas_answer_bye.xml",
        1,
        &[("VOICE_OTP_RTP_SRTP", "optional")],
    )
    .await;
    let got = t.receiver.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(got[0].json()["result"]["code"], 10, "{}", got[0].json());
    t.a.assert_ok(Duration::from_secs(10)).await;
    t.b.assert_ok(Duration::from_secs(10)).await;
    let (to_a, to_b) = (offered_keys(&t.a.messages()), offered_keys(&t.b.messages()));
    assert!(!to_a.is_empty() && !to_b.is_empty(), "{to_a:?} {to_b:?}");
    assert!(
        to_a.iter().all(|k| !to_b.contains(k)),
        "a key offered to a was offered to b again: {to_a:?} {to_b:?}"
    );
}

/// Trunk `a` takes every INVITE and never answers (a socket this test holds and only
/// reads); with `[sip] t1 = "50ms"` timer B gives it up after 3.2 s instead of 32 s, and
/// each call fails over to `b` and finishes as 10 there, well within its ring time. The
/// silent trunk saw each INVITE retransmitted, and the metric counts its timeouts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_trunk_is_failed_over_at_timer_b() {
    const SILENT_CALLS: u32 = 2;
    let dir = tempfile::tempdir().unwrap();
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    silent
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let stop = std::sync::Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut invites = 0u32;
            let mut buf = [0u8; 65_536];
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok((n, _)) = silent.recv_from(&mut buf)
                    && buf[..n].starts_with(b"INVITE ")
                {
                    invites += 1;
                }
            }
            invites
        })
    };
    let mut b = sipp_trunk(dir.path(), "uas_answer_bye.xml", SILENT_CALLS).await;
    let receiver = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), b.addr());
    config.trunks = Some(format!(
        "[[trunks]]\nname = \"a\"\naddress = \"{silent_addr}\"\npriority = 0\n\n\
         [[trunks]]\nname = \"b\"\naddress = \"{}\"\npriority = 1\n",
        b.addr()
    ));
    config
        .env
        .push(("VOICE_OTP_SIP_T1".to_owned(), "50ms".to_owned()));
    let daemon = Daemon::start(config).await;
    for i in 0..SILENT_CALLS {
        let mut body = otp_body("4829", &receiver.url());
        body["callee"] = json!(format!("+3161234{i:04}"));
        daemon.otp_call(&body).await;
    }
    // 3.2 s of timer B and the call through `b`; at the default T1 it would take 32 s.
    let got = receiver
        .wait_for(SILENT_CALLS as usize, Duration::from_secs(20))
        .await;
    for event in &got {
        let event = event.json();
        assert_eq!(event["result"]["code"], 10, "{event}\n{}", daemon.logs());
    }
    b.assert_ok(Duration::from_secs(15)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let invites = reader.join().unwrap();
    // Each INVITE and its retransmissions (T1, 2 T1, 4 T1... within 64 T1: 7 more).
    assert!(
        invites >= 2 * SILENT_CALLS,
        "the silent trunk saw {invites} INVITEs for {SILENT_CALLS} calls"
    );
    let metrics = daemon.metrics().await;
    assert!(
        metrics.contains(&format!(
            "voice_otp_trunk_attempts_total{{trunk=\"a\",result=\"timeout\"}} {SILENT_CALLS}"
        )),
        "{metrics}"
    );
}
