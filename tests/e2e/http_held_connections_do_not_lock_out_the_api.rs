//! Idle clients cannot hold the HTTP API (issue 11, item 4): the real `voice-otp serve`,
//! run under a 1,024 open-file limit with SIPp as its trunk, gets 1,100 connections that
//! each send half a request line and stop. A normal OTP POST still gets its 200 within
//! 15 s and its call ends as 10; the daemon never holds more than `[http] max-connections`
//! (512) of the attacker's connections, never runs out of file descriptors, and closes
//! every held connection at the header timeout. A second test fills the cap with handlers
//! that are really running: a new connection is then closed at once.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use voice_otp_suite::e2e::*;
use voice_otp_testkit::net::read_until_closed;

const ATTACKERS: usize = 1_100;
const CAP: usize = 512;

/// `Max open files` (soft, hard) of a process, from `/proc/<pid>/limits`.
fn open_file_limits(pid: &str) -> (u64, u64) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("Max open files in limits");
    let mut numbers = line
        .split_whitespace()
        .filter_map(|w| w.parse::<u64>().ok());
    (numbers.next().unwrap(), numbers.next().unwrap())
}

/// The test itself holds 1,100 sockets: raise its own soft limit to what that needs
/// (within the hard limit, which needs no privilege).
fn allow_this_test_enough_files() {
    let (soft, hard) = open_file_limits("self");
    let want = 4_096.min(hard);
    if soft < want {
        let ok = std::process::Command::new("prlimit")
            .arg(format!("--pid={}", std::process::id()))
            .arg(format!("--nofile={want}:"))
            .status()
            .expect("prlimit (util-linux) runs")
            .success();
        assert!(ok, "prlimit could not raise the test's open-file limit");
    }
    let (soft, _) = open_file_limits("self");
    assert!(
        soft as usize > ATTACKERS + 200,
        "the test needs more than {} open files, its limit is {soft}",
        ATTACKERS + 200
    );
}

/// Opens `ATTACKERS` connections that each send half a request line and stop.
fn attack(addr: SocketAddr) -> Vec<TcpStream> {
    (0..ATTACKERS)
        .map(|_| {
            let mut stream =
                TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
            // The server may already have closed it to make room: the attacker does not care.
            let _ = stream.write_all(b"POST /voiceapi/v2/OTP HT");
            stream.set_nonblocking(true).unwrap();
            stream
        })
        .collect()
}

/// Whether the server has closed `stream` (EOF or reset), without waiting.
fn closed_by_server(mut stream: &TcpStream) -> bool {
    let mut buf = [0u8; 64];
    match stream.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_connections_do_not_lock_out_an_otp_post() {
    allow_this_test_enough_files();
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "e2e_answer_wait_bye.xml", 1).await;
    let receiver = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config.wrapper = vec!["prlimit".to_owned(), "--nofile=1024:1024".to_owned()];
    let daemon = Daemon::start(config).await;
    assert_eq!(
        open_file_limits(&daemon.pid().to_string()),
        (1_024, 1_024),
        "the daemon runs under the 1,024 open-file limit"
    );
    let addr = SocketAddr::from(([127, 0, 0, 1], daemon.config.http_port));
    let attackers = tokio::task::spawn_blocking(move || attack(addr))
        .await
        .unwrap();

    // A fresh client, so no kept-alive connection from before the attack is reused.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let t0 = Instant::now();
    let response = client
        .post(daemon.url("/voiceapi/v2/OTP"))
        .header("X-CM-PRODUCTTOKEN", TOKEN)
        .json(&otp_body("48", &receiver.url()))
        .send()
        .await
        .expect("the OTP POST is answered while 1,100 connections are held");
    let waited = t0.elapsed();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert!(waited < Duration::from_secs(15), "200 after {waited:?}");

    // The POST's connection was queued behind every attacker's, so all of them have been
    // accepted by now: at most the cap of them are still held.
    let held = attackers.iter().filter(|s| !closed_by_server(s)).count();
    assert!(
        held <= CAP,
        "{held} of the attacker's connections held, above the cap of {CAP}"
    );

    let got = receiver.wait_for(1, Duration::from_secs(40)).await;
    let event = got[0].json();
    assert_eq!(event["result"]["code"], 10, "{event}");
    sipp.assert_ok(Duration::from_secs(15)).await;

    // The rest are closed at the header timeout (10 s), not held forever.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let held = attackers.iter().filter(|s| !closed_by_server(s)).count();
        if held == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{held} half-sent requests still held 20 s later"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(attackers);

    let logs = daemon.logs();
    assert!(
        !logs.contains("Too many open files"),
        "the daemon ran out of file descriptors:\n{logs}"
    );
}

/// At `max-connections` with every connection's handler running (not waiting for a head
/// or a body: a debug-only failpoint holds each OTP handler 8 s after its store), a new
/// connection is closed at once rather than cutting a request short, and the held
/// requests still get their 200 and their calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_with_every_handler_busy_a_new_connection_is_closed_at_once() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_answer_bye.xml", 2).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    for (key, value) in [
        ("VOICE_OTP_HTTP_MAX_CONNECTIONS", "2"),
        ("VOICE_OTP_DEBUG_PAUSE_AFTER_STORE_MS", "8000"),
    ] {
        config.env.push((key.to_owned(), value.to_owned()));
    }
    let daemon = Daemon::start(config).await;
    let held: Vec<_> = (0..2)
        .map(|i| {
            let url = daemon.url("/voiceapi/v2/OTP");
            tokio::spawn(async move {
                // A client of its own: its own connection.
                reqwest::Client::new()
                    .post(url)
                    .header("X-CM-PRODUCTTOKEN", TOKEN)
                    .json(&serde_json::json!({
                        "callee": format!("+3161200000{i}"),
                        "caller": "+31201234567",
                        "code": "48",
                    }))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    // One handler has stored its instruction and sits in the failpoint; the other runs
    // too (in the failpoint, or waiting for the store behind the first).
    let deadline = Instant::now() + Duration::from_secs(20);
    while daemon.config.stored_calls() < 1 {
        assert!(Instant::now() < deadline, "{}", daemon.logs());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let addr = SocketAddr::from(([127, 0, 0, 1], daemon.config.http_port));
    let mut extra = tokio::net::TcpStream::connect(addr).await.unwrap();
    let t0 = Instant::now();
    let _ = extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let got = read_until_closed(&mut extra).await;
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    for request in held {
        assert_eq!(request.await.unwrap().unwrap(), 200);
    }
    sipp.assert_ok(Duration::from_secs(30)).await;
}
