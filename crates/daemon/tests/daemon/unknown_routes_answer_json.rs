//! Unknown routes and wrong methods answer with the same JSON error shape as every other
//! error (`{"success":false,"errors":[...]}`), not an empty 404 or 405 (issue 12, item 7).

use crate::common::*;

#[tokio::test]
async fn unknown_paths_and_wrong_methods_get_the_json_error_shape() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    let client = reqwest::Client::new();
    let cases = [
        (reqwest::Method::GET, "/voiceapi/v2/Nope", 404),
        (reqwest::Method::POST, "/", 404),
        (reqwest::Method::GET, "/voiceapi/v2/OTP", 405),
        (reqwest::Method::DELETE, "/v1/cdrs", 405),
        (reqwest::Method::POST, "/healthz", 405),
    ];
    for (method, path, status) in cases {
        let resp = client
            .request(method.clone(), d.url(path))
            .header("X-CM-PRODUCTTOKEN", TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{method} {path}");
        let allow = resp.headers().get("allow").cloned();
        let content_type = resp.headers().get("content-type").cloned();
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(
            content_type.unwrap().to_str().unwrap(),
            "application/json",
            "{method} {path}"
        );
        assert_eq!(body["success"], false, "{method} {path}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(!message.is_empty(), "{method} {path}: {body}");
        if status == 405 {
            assert!(allow.is_some(), "{method} {path}: 405 without Allow");
        }
    }
    assert!(exec.specs().is_empty());
    d.daemon.shutdown().await.unwrap();
}
