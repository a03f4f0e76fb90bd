//! With `[sip] keepalive` set, the engine pings the trunk with OPTIONS and `/healthz` and
//! `/metrics` report whether it answers. The "trunk" is a UDP socket in the test that
//! answers every OPTIONS with 200 OK. With `[[trunks]]`, every trunk is reported.

use std::time::Duration;

use crate::common::{TOKEN, start_with_real_engine};
use serde_json::Value;
use tokio::net::UdpSocket;
use voice_otp_daemon::Config;
use voice_otp_daemon::config::{SipTransport, TrunkConfig};

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

/// A "trunk" that answers the first `count` OPTIONS with 200 OK (within 20 s); returns
/// its address and how many it answered.
async fn answering_trunk(count: u32) -> (std::net::SocketAddr, tokio::task::JoinHandle<u32>) {
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
            if answered == count {
                break;
            }
        }
        answered
    });
    (trunk_addr, pings)
}

/// A loopback daemon configuration pinging its trunks every 200 ms, its files in `work`.
fn keepalive_config(work: &std::path::Path, rtp_first: u16) -> Config {
    let mut config = Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.http.tokens = vec![TOKEN.to_owned()];
    config.sip.listen = "127.0.0.1:0".parse().unwrap();
    config.sip.keepalive = Duration::from_millis(200);
    config.rtp.ports.first = rtp_first;
    config.rtp.ports.last = rtp_first + 63;
    config.store.path = work.join("voice-otp.db");
    config.audio.dir = work.join("audio");
    config.audio.defaults =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../audio");
    config
}

/// Polls `/healthz` (10 s at most) until `done` holds for its body; returns the last body.
async fn health_until(base: &str, done: impl Fn(&Value) -> bool) -> Value {
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
        if done(&health) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    health
}

/// `/metrics` of the daemon at `base`.
async fn metrics_text(base: &str) -> String {
    let response = reqwest::get(format!("{base}/metrics")).await.unwrap();
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_answered_by_the_trunk_show_as_reachable() {
    let work = tempfile::tempdir().unwrap();
    let (trunk_addr, pings) = answering_trunk(3).await;
    let mut config = keepalive_config(work.path(), 45_200);
    config.sip.trunk = trunk_addr.to_string();

    let daemon = start_with_real_engine(config).await;
    let base = format!("http://{}", daemon.local_addr());
    let health = health_until(&base, |h| h["trunk"] == "reachable").await;
    assert_eq!(health["trunk"], "reachable", "{health}");
    assert_eq!(health["status"], "ok", "{health}");

    let text = metrics_text(&base).await;
    assert!(
        text.lines().any(|l| l == "voice_otp_sip_trunk_reachable 1"),
        "{text}"
    );
    assert!(pings.await.unwrap() >= 1);
    daemon.shutdown().await.unwrap();
}

/// With `[[trunks]]`, each trunk is pinged through its own endpoint and `/healthz` lists
/// every one: `up` answers and shows reachable, `silent` has no verdict yet (its OPTIONS
/// time out only after 32 s); the group as a whole is reachable and the daemon healthy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_trunk_of_the_group_is_reported() {
    let work = tempfile::tempdir().unwrap();
    let (up_addr, pings) = answering_trunk(3).await;
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut config = keepalive_config(work.path(), 45_264);
    let trunk = |name: &str, addr: std::net::SocketAddr| TrunkConfig {
        name: name.to_owned(),
        address: addr.to_string(),
        transport: SipTransport::Udp,
        username: String::new(),
        password: String::new(),
        tls_ca: None,
        tls_server_name: None,
        tls_cert: None,
        tls_key: None,
        max_cps: None,
        max_concurrent: None,
        priority: 0,
        weight: 1,
    };
    config.trunks = vec![
        trunk("silent", silent.local_addr().unwrap()),
        trunk("up", up_addr),
    ];

    let daemon = start_with_real_engine(config).await;
    let base = format!("http://{}", daemon.local_addr());
    let health = health_until(&base, |h| h["trunks"]["up"] == "reachable").await;
    assert_eq!(health["trunks"]["up"], "reachable", "{health}");
    assert_eq!(health["trunks"]["silent"], "unknown", "{health}");
    assert_eq!(health["trunk"], "reachable", "{health}");
    assert_eq!(health["status"], "ok", "{health}");
    // The silent trunk was pinged too, from its own endpoint.
    let mut buf = [0u8; 2048];
    let (n, _) = tokio::time::timeout(Duration::from_secs(5), silent.recv_from(&mut buf))
        .await
        .expect("OPTIONS to the silent trunk")
        .unwrap();
    assert!(buf[..n].starts_with(b"OPTIONS "));

    let text = metrics_text(&base).await;
    assert!(
        text.lines()
            .any(|l| l == "voice_otp_trunk_reachable{trunk=\"up\"} 1"),
        "{text}"
    );
    assert!(pings.await.unwrap() >= 1);
    daemon.shutdown().await.unwrap();
}
