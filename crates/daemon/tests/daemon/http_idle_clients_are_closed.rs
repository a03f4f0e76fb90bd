//! Idle clients cannot hold the HTTP API open (issue 11, item 4), against the real
//! `Daemon` over loopback: a half-sent request head is closed at `[http] header-timeout`;
//! a kept-alive connection lives until `idle-timeout`, not the header timeout; at
//! `max-connections` a new client closes the oldest connection that is not busy; a body
//! that trickles in is closed at `body-timeout` and does not count as busy. (A new
//! connection closed at once when every handler is busy is tested end to end, where a
//! failpoint can hold a handler: `tests/e2e/http_held_connections_do_not_lock_out_the_api.rs`.) The timeouts are shortened for the test
//! (the defaults, 10 s and 60 s, are checked below); the bounds below are
//! the timeouts themselves, which a busy machine can only exceed, plus generous slack.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use voice_otp_testkit::net::read_until_closed;

use crate::common::*;

const HEADER: Duration = Duration::from_millis(400);
const IDLE: Duration = Duration::from_millis(2_000);
const BODY: Duration = Duration::from_millis(1_500);
/// Far beyond what a closing "at once" may take on a loaded machine, far below 60 s.
const AT_ONCE: Duration = Duration::from_secs(5);

#[test]
fn the_defaults_are_the_issue_s_and_the_example_file_sets_them() {
    let http = voice_otp_daemon::Config::default().http;
    assert_eq!(http.header_timeout, Duration::from_secs(10));
    assert_eq!(http.body_timeout, Duration::from_secs(10));
    assert_eq!(http.idle_timeout, Duration::from_secs(60));
    assert_eq!(http.max_connections, 512);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../voice-otp.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let example = voice_otp_daemon::Config::from_sources(Some(&text), &Default::default())
        .unwrap()
        .http;
    assert_eq!(
        (
            example.header_timeout,
            example.body_timeout,
            example.idle_timeout,
            example.max_connections
        ),
        (
            http.header_timeout,
            http.body_timeout,
            http.idle_timeout,
            http.max_connections
        )
    );
    let env = [("VOICE_OTP_HTTP_MAX_CONNECTIONS".to_owned(), "0".to_owned())];
    let err = voice_otp_daemon::Config::from_sources(None, &env.into_iter().collect())
        .unwrap_err()
        .to_string();
    assert!(err.contains("[http] max-connections"), "{err}");
}

/// The daemon and the temp dir it lives in (dropped after it).
async fn start(max_connections: usize, header: Duration) -> (TestDaemon, Env) {
    start_with(max_connections, header, BODY).await
}

async fn start_with(max_connections: usize, header: Duration, body: Duration) -> (TestDaemon, Env) {
    let env = Env::new();
    let mut config = env.config();
    config.http.max_connections = max_connections;
    config.http.header_timeout = header;
    config.http.body_timeout = body;
    config.http.idle_timeout = IDLE;
    (
        TestDaemon::start(config, ScriptedExecutor::finished()).await,
        env,
    )
}

/// Reads one whole response (head and `Content-Length` body) without waiting for close.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(
            n > 0,
            "closed mid-response: {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
    }
}

async fn half_request(d: &TestDaemon) -> TcpStream {
    let mut stream = TcpStream::connect(d.daemon.local_addr()).await.unwrap();
    stream.write_all(b"POST /voiceapi/v2/O").await.unwrap();
    stream
}

/// A request whose head is complete and whose body never is. It carries a valid token (a
/// request without one is answered 401 before its body is read): a client, or whoever
/// found its token, holding the API.
async fn body_request(d: &TestDaemon) -> TcpStream {
    let mut stream = TcpStream::connect(d.daemon.local_addr()).await.unwrap();
    let head = format!(
        "POST /voiceapi/v2/OTP HTTP/1.1\r\nHost: x\r\nX-CM-PRODUCTTOKEN: {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{{\"callee\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn a_half_sent_request_head_is_closed_at_the_header_timeout() {
    let (d, _env) = start(512, HEADER).await;
    let mut stream = half_request(&d).await;
    let t0 = Instant::now();
    let got = read_until_closed(&mut stream).await;
    let waited = t0.elapsed();
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    assert!(
        waited >= HEADER - Duration::from_millis(50) && waited < AT_ONCE,
        "closed after {waited:?}, not at the {HEADER:?} header timeout"
    );
    // The API still answers.
    let (status, _) = d.get("/healthz").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_kept_alive_connection_lives_until_the_idle_timeout() {
    let (d, _env) = start(512, HEADER).await;
    let mut stream = TcpStream::connect(d.daemon.local_addr()).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let response = read_response(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let t0 = Instant::now();
    let got = read_until_closed(&mut stream).await;
    let waited = t0.elapsed();
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    assert!(
        waited >= IDLE - Duration::from_millis(50) && waited < IDLE + AT_ONCE,
        "an idle keep-alive connection was closed after {waited:?}, not at {IDLE:?}"
    );
}

#[tokio::test]
async fn at_the_cap_a_new_client_closes_the_oldest_idle_connection() {
    // Timeouts far off: what closes a connection here is the cap.
    let (d, _env) = start(4, Duration::from_secs(60)).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(half_request(&d).await);
    }
    let t0 = Instant::now();
    let (status, _) = d.get("/healthz").await;
    assert_eq!(status, 200, "a real client gets through at the cap");
    // The oldest held connection made room at once, long before any timeout.
    let got = read_until_closed(&mut held[0]).await;
    assert!(got.is_empty());
    assert!(t0.elapsed() < AT_ONCE, "{:?}", t0.elapsed());
}

#[tokio::test]
async fn a_trickled_body_is_closed_at_the_body_timeout() {
    // Header timeout far off: what closes the connection here is the body timeout.
    let (d, _env) = start(512, Duration::from_secs(60)).await;
    let mut stream = body_request(&d).await;
    let t0 = Instant::now();
    // One more body byte every 100 ms does not keep it open.
    let trickle = async {
        for _ in 0..1_000 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if stream.write_all(b" ").await.is_err() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(BODY + AT_ONCE, trickle).await;
    let got = tokio::time::timeout(AT_ONCE, read_until_closed(&mut stream))
        .await
        .expect("the trickled body is still held open");
    let waited = t0.elapsed();
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    assert!(
        waited >= BODY - Duration::from_millis(50) && waited < BODY + AT_ONCE,
        "closed after {waited:?}, not at the {BODY:?} body timeout"
    );
}

#[tokio::test]
async fn at_the_cap_a_connection_still_sending_its_body_makes_room() {
    // Timeouts far off: what closes a connection here is the cap.
    let (d, _env) = start_with(2, Duration::from_secs(60), Duration::from_secs(60)).await;
    let mut held = [body_request(&d).await, body_request(&d).await];
    // Let both heads be parsed, so both handlers wait for their bodies.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let t0 = Instant::now();
    let (status, _) = tokio::time::timeout(AT_ONCE, d.get("/healthz"))
        .await
        .expect("the real client is answered");
    assert_eq!(status, 200, "a real client gets through at the cap");
    let got = tokio::time::timeout(AT_ONCE, read_until_closed(&mut held[0]))
        .await
        .expect("the oldest body-sending connection made room");
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    assert!(t0.elapsed() < AT_ONCE, "{:?}", t0.elapsed());
}
