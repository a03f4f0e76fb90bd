//! With `[sip] keepalive` set, the engine pings the trunk with OPTIONS and `/healthz` and
//! `/metrics` report whether it answers. The "trunk" is a UDP socket in the test that
//! answers every OPTIONS with 200 OK.

use std::time::Duration;

use crate::common::{TOKEN, start_with_real_engine};
use serde_json::Value;
use tokio::net::UdpSocket;
use voice_otp_daemon::Config;

/// Answers one SIP request with `200 OK`, copying the headers a response must echo.
fn ok_for(request: &str) -> String {
    let mut out = String::from("SIP/2.0 200 OK\r\n");
    for line in request.split("\r\n").skip(1) {
        let name = line
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if ["via", "v", "from", "f", "to", "t", "call-id", "i", "cseq"].contains(&name.as_str()) {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_answered_by_the_trunk_show_as_reachable() {
    let work = tempfile::tempdir().unwrap();
    let trunk = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let trunk_addr = trunk.local_addr().unwrap();
    let pings = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        let mut answered = 0u32;
        while let Ok(Ok((n, from))) =
            tokio::time::timeout(Duration::from_secs(20), trunk.recv_from(&mut buf)).await
        {
            let request = String::from_utf8_lossy(&buf[..n]).into_owned();
            assert!(request.starts_with("OPTIONS "), "{request}");
            trunk
                .send_to(ok_for(&request).as_bytes(), from)
                .await
                .unwrap();
            answered += 1;
            if answered == 3 {
                break;
            }
        }
        answered
    });

    let mut config = Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.http.tokens = vec![TOKEN.to_owned()];
    config.sip.listen = "127.0.0.1:0".parse().unwrap();
    config.sip.trunk = trunk_addr.to_string();
    config.sip.keepalive = Duration::from_millis(200);
    config.rtp.ports.first = 45_200;
    config.rtp.ports.last = 45_263;
    config.store.path = work.path().join("voice-otp.db");
    config.audio.dir = work.path().join("audio");
    config.audio.defaults =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../audio");

    let daemon = start_with_real_engine(config).await;
    let base = format!("http://{}", daemon.local_addr());
    let client = reqwest::Client::new();

    let mut health = Value::Null;
    for _ in 0..100 {
        health = client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if health["trunk"] == "reachable" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(health["trunk"], "reachable", "{health}");
    assert_eq!(health["status"], "ok", "{health}");

    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.lines().any(|l| l == "voice_otp_sip_trunk_reachable 1"),
        "{text}"
    );
    assert!(pings.await.unwrap() >= 1);
    daemon.shutdown().await.unwrap();
}
