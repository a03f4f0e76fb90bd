//! `/healthz` is 200 while the store answers and the engine has not reported the SIP
//! transport down, and 503 (with the failing part named) when it has.

use crate::common::*;

#[tokio::test]
async fn healthz_follows_sip_readiness() {
    let env = Env::new();
    let d = TestDaemon::start(env.config(), ScriptedExecutor::finished()).await;
    let check = || async {
        let resp = d.client.get(d.url("/healthz")).send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json::<serde_json::Value>().await.unwrap())
    };
    let (status, body) = check().await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["store"], "ok");
    assert_eq!(body["sip"], "unknown");

    let metrics = d.daemon.metrics();
    metrics.set_sip_ready(true);
    let (status, body) = check().await;
    assert_eq!((status, body["sip"].as_str()), (200, Some("ok")));

    metrics.set_sip_ready(false);
    let (status, body) = check().await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["sip"], "down");
    assert_eq!(body["store"], "ok");
    d.daemon.shutdown().await.unwrap();
}
