//! A real SIPp UAS on 127.0.0.1 and a real stack (SIP endpoint, RTP engine, renderer
//! over the shipped audio) for runner tests over sockets.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::process::{Child, Command};
use voice_otp_call::runner::{CallRunner, RunnerConfig, Stack, StackConfig};
use voice_otp_media::{AudioRoot, EspeakNg, RenderConfig, Renderer};
use voice_otp_rtp::{EngineConfig, MediaEngine, PortRange};
use voice_otp_sip::{EndpointConfig, SipEndpoint};

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) struct Sipp {
    child: Child,
    pub(crate) addr: SocketAddr,
    log_dir: tempfile::TempDir,
}

impl Sipp {
    /// `sipp -sf fixtures/sipp/<scenario> -m 1` as a UAS on a free UDP port.
    pub(crate) async fn uas(scenario: &str) -> Sipp {
        Sipp::start(repo().join("fixtures/sipp").join(scenario), &[]).await
    }

    /// SIPp with a scenario from anywhere and extra arguments.
    pub(crate) async fn start(scenario: PathBuf, extra: &[&str]) -> Sipp {
        let port = free_udp_port();
        let media_port = free_udp_port();
        let log_dir = tempfile::tempdir().unwrap();
        let child = Command::new("sipp")
            .arg("-sf")
            .arg(scenario)
            .args(["-i", "127.0.0.1", "-mi", "127.0.0.1"])
            .args(["-p", &port.to_string(), "-mp", &media_port.to_string()])
            .args(["-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error"])
            .args(["-t", "u1", "-trace_err", "-trace_msg"])
            .arg("-error_file")
            .arg(log_dir.path().join("errors.log"))
            .arg("-message_file")
            .arg(log_dir.path().join("messages.log"))
            .args(extra)
            .current_dir(log_dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("sipp (package sip-tester) is installed");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        for _ in 0..100 {
            // A bound UDP port refuses a second bind: SIPp is listening.
            if UdpSocket::bind(addr).is_err() {
                return Sipp {
                    child,
                    addr,
                    log_dir,
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("sipp did not start listening on {addr}");
    }

    /// SIPp's exit code: 0 when its one call went exactly as the scenario says.
    pub(crate) async fn finish(mut self) -> i32 {
        let status = tokio::time::timeout(Duration::from_secs(40), self.child.wait())
            .await
            .expect("sipp finished in time")
            .unwrap();
        let code = status.code().unwrap_or(-1);
        if code != 0 {
            self.dump();
        }
        code
    }

    /// SIPp's message log so far.
    pub(crate) fn messages(&self) -> String {
        std::fs::read_to_string(self.log_dir.path().join("messages.log")).unwrap_or_default()
    }

    fn dump(&self) {
        for f in ["errors.log", "messages.log"] {
            if let Ok(t) = std::fs::read_to_string(self.log_dir.path().join(f)) {
                eprintln!("---- sipp {f} ----\n{t}");
            }
        }
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.dump();
        }
    }
}

/// A runner over a real SIP endpoint towards `sipp`, an RTP engine on loopback ports
/// from `rtp_low` (64 pairs), and a renderer over the repository's shipped audio.
pub(crate) async fn runner(sipp: &Sipp, rtp_low: u16) -> (CallRunner<Stack>, Arc<SipEndpoint>) {
    let mut sip = EndpointConfig::udp("127.0.0.1:0".parse().unwrap(), sipp.addr.to_string());
    sip.from_domain = "otp.example".into();
    let sip = Arc::new(SipEndpoint::start(sip).await.expect("SIP endpoint starts"));
    let mut media = EngineConfig::new(PortRange::new(rtp_low, rtp_low + 127).unwrap());
    media.bind_ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    media.workers = 1;
    let media = Arc::new(MediaEngine::start(media).expect("media engine starts"));
    let renderer = Renderer::new(
        AudioRoot::new(None, repo().join("audio")),
        Arc::new(EspeakNg::new()),
        RenderConfig::default(),
    );
    let runner = CallRunner::new(
        Arc::clone(&sip),
        media,
        renderer,
        StackConfig::g711(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        RunnerConfig::default(),
    );
    (runner, sip)
}
