//! A callback answered with 500 (or not answered at all) is retried with backoff until a
//! 2xx; every attempt carries the same body and a valid signature.

use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn failed_deliveries_are_retried_until_accepted() {
    let env = Env::new();
    let receiver = Receiver::start(&[500, 503, 500]).await;
    let mut config = env.config();
    config.callbacks.secret = "s3cret".to_owned();
    let d = TestDaemon::start(config, ScriptedExecutor::finished()).await;
    let mut body = otp_body();
    body["callback-url"] = json!(receiver.url());
    let t0 = Instant::now();
    let (status, _) = d.otp(&body).await;
    assert_eq!(status, 200);

    let got = receiver.wait_for(4, Duration::from_secs(15)).await;
    let elapsed = t0.elapsed();
    // Backoff 100 ms doubling (jittered to [50%, 100%]): at least 50+100+200 ms in all.
    assert!(
        elapsed >= Duration::from_millis(350),
        "retried too fast: {elapsed:?}"
    );
    for r in &got {
        assert_eq!(r.body, got[0].body, "a retry must resend the same bytes");
        let sig = r.headers["x-voice-otp-signature"].to_str().unwrap();
        let ts: u64 = r.headers["x-voice-otp-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(sig, voice_otp_daemon::sign(b"s3cret", ts, &r.body));
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.all().len(), 4, "no delivery after the 2xx");
    let text = d
        .client
        .get(d.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("voice_otp_callback_deliveries_total{outcome=\"failed\"} 3"),
        "{text}"
    );
    assert!(text.contains("voice_otp_callback_deliveries_total{outcome=\"delivered\"} 1"));
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_receiver_is_retried_until_it_appears() {
    let env = Env::new();
    // Reserve a port, then free it so the first attempts get "connection refused".
    let probe = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let d = TestDaemon::start(env.config(), ScriptedExecutor::finished()).await;
    let mut body = otp_body();
    body["callback-url"] = json!(format!("http://{addr}/hooks/voice"));
    let (status, _) = d.otp(&body).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let receiver = Receiver::start_on(addr, &[]).await;
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    let event: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(event["type"], "otp-finished");
    d.daemon.shutdown().await.unwrap();
}
