//! `GET /metrics` is Prometheus text with calls by result, active calls, answer latency,
//! callback deliveries, RTP packets and DTMF events; the runner's counters go through the
//! same handle.

use std::time::Duration;

use crate::common::*;
use serde_json::json;
use voice_otp_call::ResultCode;

#[tokio::test]
async fn metrics_count_calls_callbacks_and_runner_events() {
    let env = Env::new();
    let receiver = Receiver::start(&[]).await;
    let exec = ScriptedExecutor::new(|spec| {
        if spec.callee.ends_with('9') {
            Script {
                result: ResultCode::Rejected,
                answered: false,
                sip: Some((486, "Busy Here")),
                readings: 0,
                replays: 0,
                dtmf: "",
                ..Script::default()
            }
        } else {
            Script {
                answer_after: Duration::from_millis(1200),
                ..Script::default()
            }
        }
    });
    let d = TestDaemon::start(env.config(), exec).await;
    let mut body = otp_body();
    body["callees"] = json!(["+31612345678", "+31612345679"]);
    body["callback-url"] = json!(receiver.url());
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 200, "{resp}");
    for ev in resp.as_array().unwrap() {
        d.wait_ended(ev["call-id"].as_str().unwrap()).await;
    }
    receiver.wait_for(2, Duration::from_secs(10)).await;
    let m = d.daemon.metrics();
    // The runner's observer pushes these two (a scripted executor has no runner); that
    // the runner reports the latency at the answer is tested in the call crate.
    m.inc_dtmf_events();
    m.observe_answer_latency(Duration::from_millis(1500));

    // Delivery is recorded just after the receiver answers.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let text = loop {
        let resp = d.client.get(d.url("/metrics")).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        let text = resp.text().await.unwrap();
        if text.contains("voice_otp_callback_deliveries_total{outcome=\"delivered\"} 2")
            || std::time::Instant::now() > deadline
        {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    for line in [
        "voice_otp_calls_total{result=\"finished\",code=\"10\"} 1",
        "voice_otp_calls_total{result=\"rejected\",code=\"12\"} 1",
        "voice_otp_calls_total{result=\"cancelled\",code=\"9\"} 0",
        "voice_otp_calls_accepted_total 2",
        "voice_otp_calls_active 0",
        "voice_otp_calls_queued 0",
        "voice_otp_answer_latency_seconds_bucket{le=\"1\"} 0",
        "voice_otp_answer_latency_seconds_bucket{le=\"2\"} 1",
        "voice_otp_answer_latency_seconds_count 1",
        "voice_otp_callback_deliveries_total{outcome=\"delivered\"} 2",
        // No media engine behind a scripted executor: no packet is invented. The real
        // engine's figures are checked by wiring_places_real_call (sent) and the e2e
        // press_1_replays_code (received, DTMF).
        "voice_otp_rtp_packets_total{direction=\"sent\"} 0",
        "voice_otp_rtp_packets_total{direction=\"received\"} 0",
        "voice_otp_dtmf_events_total 1",
        "# TYPE voice_otp_answer_latency_seconds histogram",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    // The observed latency, not the call's length.
    let sum: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("voice_otp_answer_latency_seconds_sum "))
        .unwrap()
        .parse()
        .unwrap();
    assert!((1.2..1.9).contains(&sum), "answer latency sum {sum}");
    // Every sample line is `name{labels} value` with a numeric value.
    for l in text.lines().filter(|l| !l.starts_with('#')) {
        let value = l.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "bad sample {l:?}");
    }
    d.daemon.shutdown().await.unwrap();
}
