//! Runs a real SIPp UAS on 127.0.0.1 for interop tests, and our endpoint against it.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};
use tokio::sync::mpsc::Receiver;
use voice_otp_sip::{CallRequest, EndpointConfig, MediaOffer, SipEndpoint, SipEvent, Transport};

pub fn scenario(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/sipp")
        .join(name)
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Sipp {
    pub child: Child,
    pub addr: SocketAddr,
    pub log_dir: tempfile::TempDir,
}

impl Sipp {
    /// Starts `sipp -sf <scenario> -m 1` as a UAS on a free port.
    pub fn uas(scenario_name: &str, transport: Transport, extra: &[&str]) -> Sipp {
        Self::uas_calls(scenario_name, transport, extra, 1)
    }

    /// Starts SIPp as a UAS that exits after `calls` calls.
    pub fn uas_calls(
        scenario_name: &str,
        transport: Transport,
        extra: &[&str],
        calls: u32,
    ) -> Sipp {
        let port = free_udp_port();
        let media_port = free_udp_port();
        let log_dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("sipp");
        cmd.arg("-sf")
            .arg(scenario(scenario_name))
            .args(["-i", "127.0.0.1", "-mi", "127.0.0.1"])
            .args(["-p", &port.to_string(), "-mp", &media_port.to_string()])
            .args([
                "-m",
                &calls.to_string(),
                "-nostdin",
                "-timeout",
                "30s",
                "-timeout_error",
            ])
            .args([
                "-t",
                if transport == Transport::Tcp {
                    "t1"
                } else {
                    "u1"
                },
            ])
            .arg("-trace_err")
            .arg("-error_file")
            .arg(log_dir.path().join("errors.log"))
            .arg("-trace_msg")
            .arg("-message_file")
            .arg(log_dir.path().join("messages.log"))
            .args(extra)
            .current_dir(log_dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let child = cmd.spawn().expect("sipp (package sip-tester) is installed");
        Sipp {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            log_dir,
        }
    }

    /// Waits until SIPp listens (TCP needs the listener before we connect).
    pub async fn ready(&self, transport: Transport) {
        for _ in 0..100 {
            let listening = match transport {
                Transport::Tcp => tokio::net::TcpStream::connect(self.addr).await.is_ok(),
                // A bound UDP port refuses a second bind.
                Transport::Udp => UdpSocket::bind(self.addr).is_err(),
            };
            if listening {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("sipp did not start listening on {}", self.addr);
    }

    /// SIPp's exit code (0 = every call successful); its logs are printed on failure.
    pub async fn finish(mut self) -> i32 {
        let status = tokio::time::timeout(Duration::from_secs(40), self.child.wait())
            .await
            .expect("sipp finished in time")
            .unwrap();
        let code = status.code().unwrap_or(-1);
        if code != 0 {
            for f in ["errors.log", "messages.log"] {
                if let Ok(t) = std::fs::read_to_string(self.log_dir.path().join(f)) {
                    eprintln!("---- sipp {f} ----\n{t}");
                }
            }
            let mut err = String::new();
            if let Some(mut e) = self.child.stderr.take() {
                use tokio::io::AsyncReadExt;
                let _ = e.read_to_string(&mut err).await;
            }
            eprintln!("---- sipp stderr ----\n{err}");
        }
        code
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for f in ["errors.log", "messages.log"] {
                if let Ok(t) = std::fs::read_to_string(self.log_dir.path().join(f)) {
                    eprintln!("---- sipp {f} ----\n{t}");
                }
            }
        }
    }
}

pub async fn endpoint(sipp: &Sipp, transport: Transport, user: &str, pass: &str) -> SipEndpoint {
    let mut cfg = EndpointConfig::udp("127.0.0.1:0".parse().unwrap(), sipp.addr.to_string());
    cfg.transport = transport;
    cfg.from_domain = "otp.example".into();
    cfg.username = user.into();
    cfg.password = pass.into();
    SipEndpoint::start(cfg).await.expect("endpoint starts")
}

pub fn call_request(anonymous: bool, rtp_port: u16) -> CallRequest {
    CallRequest {
        callee: "+31612345678".into(),
        caller: "+3197010".into(),
        anonymous,
        trunk: None,
        media: MediaOffer::g711(SocketAddr::from(([127, 0, 0, 1], rtp_port))),
        extra_headers: vec![],
    }
}

/// Next event, or a panic after 20 s.
pub async fn next(rx: &mut Receiver<SipEvent>) -> SipEvent {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("SIP event in time")
        .expect("event channel open")
}

/// Skips provisional events and returns the first other one.
pub async fn next_final(rx: &mut Receiver<SipEvent>) -> SipEvent {
    loop {
        match next(rx).await {
            SipEvent::Provisional { .. } => continue,
            e => return e,
        }
    }
}
