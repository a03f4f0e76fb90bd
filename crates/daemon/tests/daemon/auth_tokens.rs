//! Auth: `X-CM-PRODUCTTOKEN` (any header-name case) or `Authorization: Bearer`, checked
//! against every configured token; anything else is a 401 with a JSON body and nothing is
//! dialled. All `/v1` endpoints take the same token; `/healthz` and `/metrics` do not.

use crate::common::*;

#[tokio::test]
async fn tokens_are_required_and_checked() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    let body = otp_body().to_string();
    let send = |headers: Vec<(&'static str, String)>| {
        let mut req = d
            .client
            .post(d.url("/voiceapi/v2/OTP"))
            .header("content-type", "application/json")
            .body(body.clone());
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    let refused: Vec<Vec<(&'static str, String)>> = vec![
        vec![],
        vec![("X-CM-PRODUCTTOKEN", "wrong".into())],
        vec![("X-CM-PRODUCTTOKEN", String::new())],
        vec![("X-CM-PRODUCTTOKEN", format!("{TOKEN}x"))],
        vec![("X-CM-PRODUCTTOKEN", TOKEN[..TOKEN.len() - 1].to_owned())],
        vec![("Authorization", format!("Basic {TOKEN}"))],
        vec![("Authorization", "Bearer nope".into())],
        vec![("Authorization", TOKEN.to_owned())],
    ];
    for headers in refused {
        let resp = send(headers.clone()).await.unwrap();
        assert_eq!(resp.status(), 401, "{headers:?}");
        let v: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(v["success"], false);
        assert!(v["errors"][0]["message"].is_string());
    }
    assert!(exec.specs().is_empty(), "dialled without a valid token");

    let accepted: Vec<Vec<(&'static str, String)>> = vec![
        vec![("X-CM-PRODUCTTOKEN", TOKEN.to_owned())],
        vec![("x-cm-producttoken", TOKEN.to_owned())],
        vec![("X-Cm-ProductToken", "second-token-abcdef".to_owned())],
        vec![("Authorization", format!("Bearer {TOKEN}"))],
        vec![("authorization", format!("bearer {TOKEN}"))],
    ];
    for headers in accepted {
        let resp = send(headers.clone()).await.unwrap();
        assert_eq!(resp.status(), 200, "{headers:?}");
    }

    for path in [
        "/v1/cdrs",
        "/v1/audio",
        "/v1/calls/x",
        "/v1/audio/prompts/a.wav",
    ] {
        let resp = d.client.get(d.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 401, "{path}");
    }
    let resp = d
        .client
        .put(d.url("/v1/audio/prompts/a.wav"))
        .body(vec![0u8; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = d
        .client
        .delete(d.url("/v1/audio/prompts/a.wav"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    for path in ["/healthz", "/metrics"] {
        let resp = d.client.get(d.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
    }
    d.daemon.shutdown().await.unwrap();
}
