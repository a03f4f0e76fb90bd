//! `[http] metrics-token` closes `/metrics` (issue 12, item 6): without a token, with the
//! API's product token, or with a wrong one it is a 401 in the API's JSON error shape and
//! no metric is shown; `Authorization: Bearer <metrics-token>` opens it. Without the key
//! `/metrics` stays open.

use serde_json::Value;
use voice_otp_suite::e2e::*;

const METRICS_TOKEN: &str = "metrics-scrape-token-0f3a9c";

async fn metrics(daemon: &Daemon, auth: Option<(&str, &str)>) -> (u16, String) {
    let mut req = daemon.client.get(daemon.url("/metrics"));
    if let Some((name, value)) = auth {
        req = req.header(name, value);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_metrics_token_opens_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let trunk = format!("127.0.0.1:{}", free_udp_port()).parse().unwrap();
    let mut config = DaemonConfig::new(dir.path(), trunk);
    config.env.push((
        "VOICE_OTP_HTTP_METRICS_TOKEN".to_owned(),
        METRICS_TOKEN.to_owned(),
    ));
    let daemon = Daemon::start(config).await;
    let api_bearer = format!("Bearer {TOKEN}");
    let wrong = format!("Bearer {METRICS_TOKEN}x");
    let as_product_token = ("X-CM-PRODUCTTOKEN", METRICS_TOKEN);
    for auth in [
        None,
        Some(("Authorization", api_bearer.as_str())),
        Some(("X-CM-PRODUCTTOKEN", TOKEN)),
        Some(("Authorization", wrong.as_str())),
        Some(as_product_token),
    ] {
        let (status, text) = metrics(&daemon, auth).await;
        assert_eq!(status, 401, "{auth:?}: {text}");
        assert!(
            !text.contains("voice_otp_"),
            "{auth:?} leaked metrics: {text}"
        );
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["success"], false, "{text}");
    }
    let open = format!("Bearer {METRICS_TOKEN}");
    let (status, text) = metrics(&daemon, Some(("Authorization", open.as_str()))).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("voice_otp_"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_metrics_token_metrics_stay_open() {
    let dir = tempfile::tempdir().unwrap();
    let trunk = format!("127.0.0.1:{}", free_udp_port()).parse().unwrap();
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), trunk)).await;
    let (status, text) = metrics(&daemon, None).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("voice_otp_"), "{text}");
}
