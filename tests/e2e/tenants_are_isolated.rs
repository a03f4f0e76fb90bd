//! Tenants (issue 12, item 1) against the real daemon: `[http] tokens` is the `default`
//! tenant and a `[[tenants]]` entry is another. Each sees only its own calls and CDRs, a
//! `caller` outside a tenant's `callers` is a 400 naming `caller`, a tenant's own
//! `allowed-countries` replaces `[guard]`'s, each tenant has its own audio store (another
//! tenant can neither list, read nor play its uploads; what the calls then play is checked
//! in `tenant_uploads_play_only_in_their_own_calls.rs`), shipped prompts are read-only for
//! everyone, and a short or placeholder token stops `voice-otp serve` at start.

use std::time::Duration;

use serde_json::{Value, json};
use voice_otp_suite::e2e::*;
use voice_otp_suite::voice_otp_bin;

const SHOP_TOKEN: &str = "shop-token-7d21c0e9a4";

fn shop_tenant() -> String {
    format!(
        r#"[[tenants]]
name = "shop"
tokens = ["{SHOP_TOKEN}"]
callers = ["+3120"]
allowed-countries = ["NL"]
"#
    )
}

async fn request(
    daemon: &Daemon,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<reqwest::Body>,
    content_type: &str,
) -> (u16, Value) {
    let mut req = daemon
        .client
        .request(method, daemon.url(path))
        .header("X-CM-PRODUCTTOKEN", token)
        .header("Content-Type", content_type);
    if let Some(body) = body {
        req = req.body(body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn post_otp(daemon: &Daemon, token: &str, body: &Value) -> (u16, Value) {
    let body = reqwest::Body::from(body.to_string());
    request(
        daemon,
        reqwest::Method::POST,
        "/voiceapi/v2/OTP",
        token,
        Some(body),
        "application/json",
    )
    .await
}

async fn get(daemon: &Daemon, token: &str, path: &str) -> (u16, Value) {
    request(
        daemon,
        reqwest::Method::GET,
        path,
        token,
        None,
        "application/json",
    )
    .await
}

fn wav() -> Vec<u8> {
    wav_8k((0..1600).map(|i| ((i % 40) as i16 - 20) * 500))
}

async fn put_audio(daemon: &Daemon, token: &str, path: &str) -> (u16, Value) {
    let body = reqwest::Body::from(wav());
    request(
        daemon,
        reqwest::Method::PUT,
        &format!("/v1/audio{path}"),
        token,
        Some(body),
        "audio/wav",
    )
    .await
}

/// Waits (bounded) until the tenant's CDR list holds `n` calls.
async fn cdrs(daemon: &Daemon, token: &str, n: usize) -> Vec<Value> {
    for _ in 0..500 {
        let (status, body) = get(daemon, token, "/v1/cdrs").await;
        assert_eq!(status, 200, "{body}");
        let list = body.as_array().unwrap().clone();
        if list.len() >= n {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    panic!("fewer than {n} CDRs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_see_only_their_own_calls_cdrs_and_audio() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_busy_486.xml", 2).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config.extra = shop_tenant();
    let daemon = Daemon::start(config).await;

    let body = otp_body("4829", "");
    let (status, own) = post_otp(&daemon, TOKEN, &body).await;
    assert_eq!(status, 200, "{own}");
    let default_call = own["call-id"].as_str().unwrap().to_owned();
    let (status, theirs) = post_otp(&daemon, SHOP_TOKEN, &body).await;
    assert_eq!(status, 200, "{theirs}");
    let shop_call = theirs["call-id"].as_str().unwrap().to_owned();
    sipp.assert_ok(Duration::from_secs(20)).await;

    // Calls: each tenant finds its own and not the other's.
    assert_eq!(
        get(&daemon, TOKEN, &format!("/v1/calls/{default_call}"))
            .await
            .0,
        200
    );
    assert_eq!(
        get(&daemon, SHOP_TOKEN, &format!("/v1/calls/{shop_call}"))
            .await
            .0,
        200
    );
    assert_eq!(
        get(&daemon, SHOP_TOKEN, &format!("/v1/calls/{default_call}"))
            .await
            .0,
        404
    );
    assert_eq!(
        get(&daemon, TOKEN, &format!("/v1/calls/{shop_call}"))
            .await
            .0,
        404
    );
    // CDRs: one each, never the other's.
    let mine = cdrs(&daemon, TOKEN, 1).await;
    let shops = cdrs(&daemon, SHOP_TOKEN, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mine_again = cdrs(&daemon, TOKEN, 1).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine_again.len(), 1, "{mine_again:?}");
    assert_eq!(mine[0]["call-id"], default_call.as_str());
    assert_eq!(shops.len(), 1);
    assert_eq!(shops[0]["call-id"], shop_call.as_str());

    // Caller IDs: the shop may present only +3120...
    let mut spoofed = body.clone();
    spoofed["caller"] = json!("+31101234567");
    let (status, resp) = post_otp(&daemon, SHOP_TOKEN, &spoofed).await;
    assert_eq!(status, 400, "{resp}");
    assert_eq!(resp["errors"][0]["field"], "caller", "{resp}");
    // ...while the default tenant presents any.
    assert_eq!(post_otp(&daemon, TOKEN, &spoofed).await.0, 200);

    // Its own policy: only NL, though [guard] allows every country.
    let mut abroad = body.clone();
    abroad["callee"] = json!("+442079460000");
    let (status, resp) = post_otp(&daemon, SHOP_TOKEN, &abroad).await;
    assert_eq!(status, 400, "{resp}");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("allowed-countries")
    );

    // Audio: shipped prompts are read-only for everyone.
    for token in [TOKEN, SHOP_TOKEN] {
        let (status, resp) = put_audio(&daemon, token, "/prompts/en-GB/intro.wav").await;
        assert_eq!(status, 403, "{resp}");
    }
    // Each tenant has its own store: the default tenant's upload is invisible to the shop
    // and cannot reach its calls; the shop's own upload is its own.
    let (status, resp) = put_audio(&daemon, TOKEN, "/prompts/bank-intro.wav").await;
    assert_eq!(status, 201, "{resp}");
    let (status, resp) = put_audio(&daemon, SHOP_TOKEN, "/prompts/shop-intro.wav").await;
    assert_eq!(status, 201, "{resp}");
    let (status, list) = get(&daemon, SHOP_TOKEN, "/v1/audio").await;
    assert_eq!(status, 200);
    let paths: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/prompts/shop-intro.wav"], "{list}");
    let (_, list) = get(&daemon, TOKEN, "/v1/audio").await;
    assert!(
        !list.to_string().contains("shop-intro"),
        "the shop's upload is not the default tenant's: {list}"
    );
    assert_eq!(
        get(&daemon, SHOP_TOKEN, "/v1/audio/prompts/bank-intro.wav")
            .await
            .0,
        404
    );
    assert_eq!(
        get(&daemon, TOKEN, "/v1/audio/prompts/shop-intro.wav")
            .await
            .0,
        404
    );
    // Spelling sets (Custom codes) stay the default tenant's.
    let (status, resp) = put_audio(&daemon, SHOP_TOKEN, "/spelling/en-GB/a.wav").await;
    assert_eq!(status, 403, "{resp}");
    let mut playing = body.clone();
    playing["intro-prompt"] = json!("/prompts/bank-intro.wav");
    playing["intro-prompt-type"] = json!("File");
    let (status, resp) = post_otp(&daemon, SHOP_TOKEN, &playing).await;
    assert_eq!(status, 400, "{resp}");
    assert_eq!(resp["errors"][0]["field"], "intro-prompt", "{resp}");
    // A shipped prompt it may play.
    let mut shipped = body.clone();
    shipped["intro-prompt"] = json!("/prompts/en-GB/intro.wav");
    shipped["intro-prompt-type"] = json!("File");
    shipped["callee"] = json!("+31612345670");
    // No trunk call is left in SIPp's script: validation is what is checked here, so
    // the request must pass it (the call itself fails as the trunk is gone).
    let (status, resp) = post_otp(&daemon, SHOP_TOKEN, &shipped).await;
    assert_eq!(status, 200, "{resp}");
}

fn serve_exit(dir: &std::path::Path, tokens_toml: &str) -> (i32, String) {
    let file = dir.join("voice-otp.toml");
    std::fs::write(
        &file,
        format!(
            "[http]\nlisten = \"127.0.0.1:0\"\n{tokens_toml}\n[sip]\nlisten = \"127.0.0.1:0\"\n"
        ),
    )
    .unwrap();
    let mut child = std::process::Command::new(voice_otp_bin())
        .arg("serve")
        .arg("--config")
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            return (
                status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("voice-otp serve kept running with {tokens_toml}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn short_or_placeholder_tokens_stop_the_daemon_at_start() {
    let dir = tempfile::tempdir().unwrap();
    for (toml, key, says) in [
        (
            "tokens = [\"short-token\"]",
            "[http] tokens",
            "at least 16 characters",
        ),
        (
            "tokens = [\"change-me-to-a-long-random-token\"]",
            "[http] tokens",
            "placeholder",
        ),
        (
            "[[tenants]]\nname = \"shop\"\ntokens = [\"abc\"]",
            "[[tenants]] shop tokens",
            "at least 16 characters",
        ),
    ] {
        // `[[tenants]]` must follow the `[http]` keys it is written after.
        let (code, err) = serve_exit(dir.path(), toml);
        assert_ne!(code, 0, "{toml}: {err}");
        assert_eq!(err.lines().count(), 1, "{toml}: {err}");
        assert!(err.contains(key) && err.contains(says), "{toml}: {err}");
        assert!(
            !err.contains("short-token") && !err.contains("\"abc\""),
            "{err}"
        );
    }
}
