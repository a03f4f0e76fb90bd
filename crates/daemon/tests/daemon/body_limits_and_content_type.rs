//! A body over 64 KiB is a 413 and a body that is not JSON by its content type is a 415,
//! both with the JSON error body and nothing dialled.

use crate::common::*;

#[tokio::test]
async fn oversized_and_non_json_bodies_are_refused() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;

    // 64 KiB + 1 of valid JSON (an ignored field pads it).
    let mut body = otp_body();
    body["padding"] = serde_json::Value::from("");
    let pad = 64 * 1024 - body.to_string().len();
    body["padding"] = serde_json::Value::from("p".repeat(pad));
    let text = body.to_string();
    assert_eq!(text.len(), 64 * 1024);
    let resp = d
        .client
        .post(d.url("/voiceapi/v2/OTP"))
        .header("X-CM-PRODUCTTOKEN", TOKEN)
        .header("content-type", "application/json")
        .body(text.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "a body of exactly the limit is fine");

    body["padding"] = serde_json::Value::from("p".repeat(64 * 1024));
    let big = body.to_string();
    let resp = d
        .client
        .post(d.url("/voiceapi/v2/OTP"))
        .header("X-CM-PRODUCTTOKEN", TOKEN)
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["success"], false);

    // Chunked, with no Content-Length to trust.
    assert_eq!(chunked_post(&d, big.as_bytes()).await, 413);

    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut req = d
            .client
            .post(d.url("/voiceapi/v2/OTP"))
            .header("X-CM-PRODUCTTOKEN", TOKEN)
            .body(otp_body().to_string());
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 415, "{ct:?}");
        let v: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(v["success"], false);
    }
    // Only the one request at the limit was dialled.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(exec.specs().len(), 1);
    d.daemon.shutdown().await.unwrap();
}

/// POSTs `body` in 4 KiB chunks (Transfer-Encoding: chunked) over a raw socket; returns
/// the status code.
async fn chunked_post(d: &TestDaemon, body: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(d.daemon.local_addr())
        .await
        .unwrap();
    let head = format!(
        "POST /voiceapi/v2/OTP HTTP/1.1\r\nHost: x\r\nX-CM-PRODUCTTOKEN: {TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(4096) {
        let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
        frame.extend_from_slice(chunk);
        frame.extend_from_slice(b"\r\n");
        // The server may answer and close before all chunks are sent.
        if sock.write_all(&frame).await.is_err() {
            break;
        }
    }
    let _ = sock.write_all(b"0\r\n\r\n").await;
    let mut resp = Vec::new();
    let _ = sock.read_to_end(&mut resp).await;
    let text = String::from_utf8_lossy(&resp);
    text.split_whitespace().nth(1).unwrap().parse().unwrap()
}
