//! Attack: over TCP, the trunk connection delivers `Content-Length: 18446744073709551615`
//! in the middle of a live call. The daemon must not panic or fail the call: it drops that
//! one connection, connects again at once, and the call still finishes as 10, its BYE going
//! out over the new connection.
//!
//! A relay in the test sits between the daemon and the SIPp trunk. It keeps one connection
//! to SIPp for the whole test, hands SIPp's bytes to whichever daemon connection is current,
//! and writes the hostile header to the daemon's first connection once the call's ACK
//! passes through it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc};
use voice_otp_suite::e2e::*;
use voice_otp_testkit::sipp::Transport;

const HOSTILE: &[u8] = b"SIP/2.0 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n";

enum Down {
    /// A new daemon connection: SIPp's bytes go there from now on.
    Current(OwnedWriteHalf),
    /// Write the hostile header to the current daemon connection.
    Inject,
}

/// Starts the relay to `upstream`; returns its address and the number of daemon
/// connections it has accepted.
async fn relay(upstream: SocketAddr) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let (up_rd, up_wr) = TcpStream::connect(upstream).await.unwrap().into_split();
    let up_wr = Arc::new(Mutex::new(up_wr));
    let (down_tx, down_rx) = mpsc::unbounded_channel();
    tokio::spawn(sipp_to_daemon(up_rd, down_rx));
    tokio::spawn(async move {
        loop {
            let Ok((conn, _)) = listener.accept().await else {
                return;
            };
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            let (mut rd, wr) = conn.into_split();
            let _ = down_tx.send(Down::Current(wr));
            let (up_wr, down_tx) = (up_wr.clone(), down_tx.clone());
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buf = [0u8; 8192];
                let mut injected = false;
                while let Ok(k) = rd.read(&mut buf).await {
                    if k == 0 || up_wr.lock().await.write_all(&buf[..k]).await.is_err() {
                        return;
                    }
                    seen.extend_from_slice(&buf[..k]);
                    let acked = seen
                        .windows(8)
                        .any(|w| w == b"\nACK sip" || w == b"ACK sip:");
                    if n == 1 && acked && !injected {
                        injected = true;
                        let _ = down_tx.send(Down::Inject);
                    }
                }
            });
        }
    });
    (addr, accepted)
}

async fn sipp_to_daemon(
    mut up_rd: tokio::net::tcp::OwnedReadHalf,
    mut down: mpsc::UnboundedReceiver<Down>,
) {
    let mut current: Option<OwnedWriteHalf> = None;
    let mut buf = [0u8; 8192];
    loop {
        tokio::select! {
            cmd = down.recv() => match cmd {
                Some(Down::Current(w)) => current = Some(w),
                Some(Down::Inject) => {
                    if let Some(w) = current.as_mut() {
                        let _ = w.write_all(HOSTILE).await;
                    }
                }
                None => return,
            },
            read = up_rd.read(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(k) => {
                    if let Some(w) = current.as_mut() {
                        let _ = w.write_all(&buf[..k]).await;
                    }
                }
            },
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_content_length_mid_call_costs_only_the_connection() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = Sipp::uas(scenario("e2e_answer_wait_bye.xml"))
        .dir(dir.path())
        .transport(Transport::Tcp)
        .timeout(SIPP_TIMEOUT)
        .start()
        .await;
    let (trunk, accepted) = relay(sipp.addr()).await;
    let receiver = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), trunk);
    config
        .env
        .push(("VOICE_OTP_SIP_TRANSPORT".into(), "tcp".into()));
    let daemon = Daemon::start(config).await;

    let call_id = daemon.otp_call(&otp_body("4829", &receiver.url())).await;
    let got = receiver.wait_for(1, Duration::from_secs(40)).await;
    let event = got[0].json();
    assert_eq!(event["call-id"], call_id.as_str(), "{event}");
    assert_eq!(event["result"]["code"], 10, "{event}");
    assert_eq!(event["code-read-count"], 1, "{event}");
    assert!(
        accepted.load(Ordering::SeqCst) >= 2,
        "the daemon reconnected after the garbled stream"
    );
    assert!(
        daemon.logs().contains("reconnecting"),
        "the framing error was seen: {}",
        daemon.logs()
    );
    // SIPp's call got its BYE (over the new connection) and answered it.
    sipp.assert_ok(Duration::from_secs(15)).await;
    // The daemon still serves: health is fine.
    let health = daemon
        .client
        .get(daemon.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}
