//! A Request DTMF body cannot make the real daemon hold a call open for long or burn CPU
//! on a pattern: `max-digits`, `max-attempts`, `timeout`, `terminators` and `regex` are
//! bounded, a body past a bound is a 400 naming the field, and nothing reaches the trunk.

use std::time::Duration;

use serde_json::json;
use voice_otp_suite::e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unbounded_numbers_and_hostile_patterns_are_400_and_dial_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A trunk that only listens: any INVITE the daemon sent would arrive here.
    let trunk = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), trunk.local_addr().unwrap())).await;
    let cases = [
        ("max-digits", json!(100_000)),
        ("max-attempts", json!(1_000)),
        ("timeout", json!(86_400_000)),
        ("terminators", json!("#".repeat(10_000))),
        // Compiles to far more than the size limit; a backtracking engine would also
        // take exponential time on it.
        ("regex", json!("((\\d{100}){100}){100}")),
        ("regex", json!("(")),
    ];
    for (field, value) in cases {
        let mut body = json!({"callee": "+31612345678", "caller": "+31201234567",
            "prompt": "Your PIN, please.", "prompt-type": "TTS"});
        body[field] = value;
        let (status, text, resp) = daemon.post("/voiceapi/v2/DTMF", &body).await;
        assert_eq!(status, 400, "{field}: {text}");
        assert_eq!(resp["errors"][0]["field"], field, "{text}");
    }
    let mut buf = [0u8; 2048];
    let heard = tokio::time::timeout(Duration::from_millis(500), trunk.recv_from(&mut buf)).await;
    assert!(
        heard.is_err(),
        "the trunk got a datagram: nothing may be dialled"
    );
}
