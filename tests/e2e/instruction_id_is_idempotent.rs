//! Idempotency by `instruction-id` (issue 12, item 4) against the real daemon: the same
//! `instruction-id` from the same tenant within 24 h gets the first answer again (a 200
//! with the same call ids) and nothing new is dialled or stored, also after a restart;
//! another tenant's same `instruction-id` is its own instruction. And no ghost calls: a
//! client that disconnects after its instruction was stored still gets its calls placed.

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use serde_json::{Value, json};
use voice_otp_suite::e2e::*;

const SHOP_TOKEN: &str = "shop-token-5e0c77b1d2";

async fn post(daemon: &Daemon, token: &str, body: &Value) -> (u16, Value) {
    let resp = daemon
        .client
        .post(daemon.url("/voiceapi/v2/OTP"))
        .header("X-CM-PRODUCTTOKEN", token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_instruction_id_gets_the_first_answer_and_dials_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // Two calls in SIPp's script: the default tenant's first request and the shop's.
    let mut sipp = sipp_trunk(dir.path(), "uas_busy_486.xml", 2).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config.extra = format!("[[tenants]]\nname = \"shop\"\ntokens = [\"{SHOP_TOKEN}\"]\n");
    let daemon = Daemon::start(config.clone()).await;

    let mut body = otp_body("4829", "");
    body.as_object_mut().unwrap().remove("callee");
    body["callees"] = json!(["+31612345678", "+999123456789"]);
    body["disable-callees-validation"] = json!(true);
    body["instruction-id"] = json!("order-1");
    let (status, first) = post(&daemon, TOKEN, &body).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first.as_array().unwrap().len(), 2, "{first}");
    // The same id again, even with another code and callee: the first answer.
    let mut again = body.clone();
    again["code"] = json!("1111");
    again["callees"] = json!(["+31612345679"]);
    for _ in 0..2 {
        let (status, repeat) = post(&daemon, TOKEN, &again).await;
        assert_eq!(status, 200, "{repeat}");
        assert_eq!(repeat, first, "a repeat answers exactly as the first time");
    }
    // Another tenant's instruction-id is its own.
    let (status, shops) = post(&daemon, SHOP_TOKEN, &body).await;
    assert_eq!(status, 200, "{shops}");
    assert_ne!(shops[0]["call-id"], first[0]["call-id"], "{shops}");
    // Exactly two INVITEs: SIPp's script ends after two calls and sees no third.
    sipp.assert_ok(Duration::from_secs(20)).await;
    assert_eq!(config.stored_calls(), 2);
    drop(daemon);

    config.http_port = free_tcp_port();
    let restarted = Daemon::start(config.clone()).await;
    let (status, after) = post(&restarted, TOKEN, &again).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after, first, "the first answer is kept across a restart");
    assert_eq!(config.stored_calls(), 2);
}

/// The debug-build failpoint holds the request right after its instruction is committed;
/// the client hangs up in that window. A handler that launched the calls after awaiting
/// the store would be dropped with the connection, leaving a call stored but never placed:
/// SIPp would see no INVITE and the call would stay queued forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_after_the_store_still_gets_its_call_placed() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_busy_486.xml", 1).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config.env.push((
        "VOICE_OTP_DEBUG_PAUSE_AFTER_STORE_MS".to_owned(),
        "1500".to_owned(),
    ));
    let daemon = Daemon::start(config.clone()).await;

    let body = otp_body("4829", "").to_string();
    let request = format!(
        "POST /voiceapi/v2/OTP HTTP/1.1\r\nHost: 127.0.0.1\r\nX-CM-PRODUCTTOKEN: {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut client = tokio::net::TcpStream::connect(("127.0.0.1", config.http_port))
        .await
        .unwrap();
    client.write_all(request.as_bytes()).await.unwrap();
    // Wait until the instruction is stored (the failpoint then holds the request), and
    // hang up before any answer.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while config.stored_calls() == 0 {
        assert!(std::time::Instant::now() < deadline, "never stored");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(client);

    sipp.assert_ok(Duration::from_secs(20)).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let db = rusqlite::Connection::open(config.db()).unwrap();
        db.busy_timeout(Duration::from_secs(5)).unwrap();
        let result: Option<i64> = db
            .query_row("SELECT result_code FROM calls", [], |r| r.get(0))
            .unwrap();
        if let Some(result) = result {
            assert_ne!(result, 10, "SIPp answered 486");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the stored call never ended:\n{}",
            daemon.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
