//! `wiring::build_executor` places a real call: the daemon started with it takes an OTP
//! POST, dials a SIPp UAS over UDP on loopback, streams the shipped spelling audio as
//! RTP, hangs up with BYE, and delivers the finished event with result 10; `/healthz`
//! reports the SIP transport bound and `/metrics` counts the RTP packets (already while the
//! call runs) and shows the pacers' send-interval error and lateness for them.

use std::time::Duration;

use crate::common::{Receiver, TOKEN, metric, start_with_real_engine};
use serde_json::{Value, json};
use voice_otp_daemon::Config;
use voice_otp_testkit::repo_root;
use voice_otp_testkit::sipp::{Sipp, fixture};

/// `voice_otp_rtp_packets_total{direction="..."}` in a scrape.
fn rtp_packets(metrics: &str, direction: &str) -> u64 {
    metric(
        metrics,
        &format!("voice_otp_rtp_packets_total{{direction=\"{direction}\"}}"),
    ) as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_post_is_dialled_through_sipp_and_finishes() {
    let work = tempfile::tempdir().unwrap();
    let mut sipp = Sipp::uas(fixture("uas_answer_bye.xml"))
        .dir(work.path())
        .start()
        .await;
    let sipp_addr = sipp.addr();

    let receiver = Receiver::start(&[]).await;
    let mut config = Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.http.tokens = vec![TOKEN.to_owned()];
    // The callback receiver is on loopback.
    config.callbacks.allow_private_networks = true;
    config.sip.listen = "127.0.0.1:0".parse().unwrap();
    config.sip.trunk = sipp_addr.to_string();
    config.rtp.ports.first = 45_000;
    config.rtp.ports.last = 45_127;
    config.store.path = work.path().join("voice-otp.db");
    config.audio.dir = work.path().join("audio");
    config.audio.defaults = repo_root().join("audio");

    let daemon = start_with_real_engine(config).await;
    let base = format!("http://{}", daemon.local_addr());
    let client = reqwest::Client::new();

    let health: Value = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["sip"], "ok", "{health}");

    let resp = client
        .post(format!("{base}/voiceapi/v2/OTP"))
        .header("X-CM-PRODUCTTOKEN", TOKEN)
        .json(&json!({
            "callee": "+31612345678",
            "caller": "+31201234567",
            "code": "12",
            "callback-url": receiver.url(),
        }))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let queued: Value = resp.json().await.unwrap();
    assert_eq!(status, 200, "{queued}");
    let call_id = queued["call-id"].as_str().unwrap().to_owned();

    // While the call runs (no callback yet), /metrics already counts its RTP packets: the
    // engine is read at scrape time, not summed at hang-up.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let live_sent = loop {
        let text = client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let sent = rtp_packets(&text, "sent");
        if sent >= 10 || std::time::Instant::now() > deadline {
            break sent;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        receiver.all().is_empty(),
        "the call ended before its packets were seen live"
    );
    assert!(
        live_sent >= 10,
        "{live_sent} RTP packets seen while the call ran"
    );

    let got = receiver.wait_for(1, Duration::from_secs(30)).await;
    let event: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(event["call-id"], call_id.as_str());
    assert_eq!(event["result"]["code"], 10, "{event}");
    assert_eq!(event["result"]["sip-disconnect-code"], 200, "{event}");
    assert_eq!(event["code-read-count"], 1, "{event}");
    assert_eq!(event["replays"], 0, "{event}");
    assert!(event["answered-on"].is_string(), "{event}");
    // "12" spelled with a pause between the digits takes well over half a second.
    assert!(event["duration"].as_f64().unwrap() > 0.5, "{event}");

    let cdr: Value = client
        .get(format!("{base}/v1/calls/{call_id}"))
        .header("X-CM-PRODUCTTOKEN", TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cdr["result"]["code"], 10, "{cdr}");

    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let sent = rtp_packets(&metrics, "sent");
    assert!(
        sent > 25,
        "{sent} RTP packets for more than half a second of audio"
    );
    // The engine's pacing figures now hold that call's packets.
    let sample = |series: &str| metric(&metrics, series);
    for name in [
        "voice_otp_rtp_send_interval_error_seconds",
        "voice_otp_rtp_pacer_lateness_seconds",
    ] {
        let count = sample(&format!("{name}_count"));
        assert!(count >= 25.0, "{name}_count {count} after {sent} packets");
        let q = ["0.5", "0.99", "0.999"].map(|q| sample(&format!("{name}{{quantile=\"{q}\"}}")));
        assert!(
            q.iter().all(|v| v.is_finite() && *v >= 0.0) && q[0] <= q[1] && q[1] <= q[2],
            "{name} quantiles {q:?}"
        );
        // Half the packets within a packet time of their due time / the 20 ms grid.
        assert!(q[0] < 0.02, "{name} median {} s", q[0]);
    }
    assert!(sample("voice_otp_rtp_pacers") >= 1.0, "{metrics}");
    assert_eq!(
        sample("voice_otp_rtp_pacer_demotions_total"),
        0.0,
        "{metrics}"
    );

    assert_eq!(
        sipp.finish(Duration::from_secs(30)).await,
        0,
        "SIPp saw the call as scripted"
    );
    daemon.shutdown().await.unwrap();
}
