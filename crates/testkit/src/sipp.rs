//! A SIPp process on loopback for interop tests.
//!
//! [`Sipp::uas`] and [`Sipp::uac`] return a [`SippBuilder`]; its [`start`](SippBuilder::start)
//! spawns `sipp` with `-i 127.0.0.1 -mi 127.0.0.1`, message and error traces in the log
//! directory, `-nostdin`, `-timeout <t> -timeout_error`, and for a UAS waits (bounded) until
//! SIPp listens. The returned [`Sipp`] reads the traces, waits for the exit code and, when
//! the test panics while it is alive, prints the traces and SIPp's stderr.

use std::ffi::OsString;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tempfile::TempDir;
use tokio::process::{Child, Command};

use crate::repo_root;

/// How long a UAS may take to bind its SIP port before [`SippBuilder::start`] panics.
const READY_WITHIN: Duration = Duration::from_secs(5);
const READY_POLL: Duration = Duration::from_millis(20);

/// `<repo>/fixtures/sipp/<name>`: a shared SIPp scenario.
pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("fixtures/sipp").join(name)
}

/// A UDP port on 127.0.0.1 that was free a moment ago (bound to port 0 and released).
pub fn free_udp_port() -> u16 {
    UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|s| s.local_addr())
        .expect("bind a UDP socket on 127.0.0.1")
        .port()
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and released).
pub fn free_tcp_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|s| s.local_addr())
        .expect("bind a TCP listener on 127.0.0.1")
        .port()
}

/// SIPp's signalling transport: one socket, UDP (`-t u1`) or TCP (`-t t1`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Transport {
    /// `-t u1`.
    #[default]
    Udp,
    /// `-t t1`.
    Tcp,
}

impl Transport {
    fn flag(self) -> &'static str {
        match self {
            Transport::Udp => "u1",
            Transport::Tcp => "t1",
        }
    }
}

/// Options of one SIPp run; [`start`](SippBuilder::start) spawns it.
#[derive(Debug)]
#[must_use = "a builder does nothing until start() is awaited"]
pub struct SippBuilder {
    scenario: PathBuf,
    remote: Option<SocketAddr>,
    calls: u32,
    transport: Transport,
    timeout: Duration,
    dir: Option<PathBuf>,
    port: Option<u16>,
    media_port: Option<u16>,
    args: Vec<OsString>,
}

impl SippBuilder {
    fn new(scenario: PathBuf, remote: Option<SocketAddr>) -> SippBuilder {
        SippBuilder {
            scenario,
            remote,
            calls: 1,
            transport: Transport::Udp,
            timeout: Duration::from_secs(30),
            dir: None,
            port: None,
            media_port: None,
            args: Vec::new(),
        }
    }

    /// Calls after which SIPp exits (`-m`, default 1).
    pub fn calls(mut self, calls: u32) -> SippBuilder {
        self.calls = calls;
        self
    }

    /// Signalling transport (default UDP).
    pub fn transport(mut self, transport: Transport) -> SippBuilder {
        self.transport = transport;
        self
    }

    /// SIPp's global timeout (`-timeout`, default 30 s); reaching it is a failure
    /// (`-timeout_error`).
    pub fn timeout(mut self, timeout: Duration) -> SippBuilder {
        self.timeout = timeout;
        self
    }

    /// Working directory for SIPp and its logs (default: a temporary directory owned by the
    /// [`Sipp`] handle). Log names carry the SIP port, so several SIPps can share one.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> SippBuilder {
        self.dir = Some(dir.into());
        self
    }

    /// Fixed local SIP port (`-p`; default: a free port).
    pub fn port(mut self, port: u16) -> SippBuilder {
        self.port = Some(port);
        self
    }

    /// Fixed local media port (`-mp`; default: a free port).
    pub fn media_port(mut self, port: u16) -> SippBuilder {
        self.media_port = Some(port);
        self
    }

    /// `-key <name> <value>`: a `[name]` keyword for the scenario.
    pub fn key(self, name: &str, value: impl fmt::Display) -> SippBuilder {
        self.args(["-key".to_owned(), name.to_owned(), value.to_string()])
    }

    /// Extra arguments, appended after the ones this builder writes.
    pub fn args<I, S>(mut self, args: I) -> SippBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Spawns SIPp; for a UAS, waits until its SIP port is bound (UDP: a second bind
    /// fails; TCP: a connect succeeds) and panics, with SIPp's logs, if it is not within 5 s.
    pub async fn start(self) -> Sipp {
        let port = self.port.unwrap_or_else(|| match self.transport {
            Transport::Udp => free_udp_port(),
            Transport::Tcp => free_tcp_port(),
        });
        let media_port = self.media_port.unwrap_or_else(free_udp_port);
        let (tmp, dir) = match self.dir {
            Some(dir) => (None, dir),
            None => {
                let tmp = tempfile::Builder::new()
                    .prefix("sipp-")
                    .tempdir()
                    .expect("create SIPp's log directory");
                let dir = tmp.path().to_owned();
                (Some(tmp), dir)
            }
        };
        let tag = format!("sipp-{port}");
        let logs = Logs {
            messages: dir.join(format!("{tag}-messages.log")),
            errors: dir.join(format!("{tag}-errors.log")),
            stderr: dir.join(format!("{tag}-stderr.log")),
        };
        // A file rather than a pipe: a pipe nobody drains can block SIPp once it fills.
        let stderr = std::fs::File::create(&logs.stderr).expect("create SIPp's stderr log");

        let mut cmd = Command::new("sipp");
        if let Some(remote) = self.remote {
            cmd.arg(remote.to_string());
        }
        cmd.arg("-sf")
            .arg(&self.scenario)
            .args(["-i", "127.0.0.1", "-mi", "127.0.0.1"])
            .args(["-p", &port.to_string(), "-mp", &media_port.to_string()])
            .args(["-m", &self.calls.to_string()])
            .args(["-nostdin", "-timeout", &sipp_duration(self.timeout)])
            .arg("-timeout_error")
            .args(["-t", self.transport.flag()])
            .args(["-trace_msg", "-message_file"])
            .arg(&logs.messages)
            .args(["-trace_err", "-error_file"])
            .arg(&logs.errors)
            .args(&self.args)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .kill_on_drop(true);
        let child = cmd
            .spawn()
            .expect("sipp runs (package sip-tester, scripts/install-deps.sh)");

        let mut sipp = Sipp {
            child,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            media_port,
            scenario: self.scenario,
            transport: self.transport,
            _tmp: tmp,
            dir,
            logs,
            dumped: false,
        };
        if self.remote.is_none() {
            sipp.wait_listening().await;
        }
        sipp
    }
}

/// SIPp's time syntax: whole seconds as `30s`, anything finer in milliseconds.
fn sipp_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[derive(Debug)]
struct Logs {
    messages: PathBuf,
    errors: PathBuf,
    stderr: PathBuf,
}

/// A running SIPp process on 127.0.0.1, killed when dropped.
#[derive(Debug)]
pub struct Sipp {
    child: Child,
    addr: SocketAddr,
    media_port: u16,
    scenario: PathBuf,
    transport: Transport,
    // Kept only so the directory lives as long as the process writing into it.
    _tmp: Option<TempDir>,
    dir: PathBuf,
    logs: Logs,
    dumped: bool,
}

impl Sipp {
    /// A SIPp UAS (it waits for calls) running `scenario`.
    pub fn uas(scenario: impl Into<PathBuf>) -> SippBuilder {
        SippBuilder::new(scenario.into(), None)
    }

    /// A SIPp UAC running `scenario` towards `remote` (SIPp's first argument).
    pub fn uac(scenario: impl Into<PathBuf>, remote: SocketAddr) -> SippBuilder {
        SippBuilder::new(scenario.into(), Some(remote))
    }

    /// SIPp's SIP address, `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// SIPp's local media port (`-mp`).
    pub fn media_port(&self) -> u16 {
        self.media_port
    }

    /// The directory SIPp runs in and writes its logs to.
    pub fn log_dir(&self) -> &Path {
        &self.dir
    }

    /// The SIP messages SIPp sent and received so far (`-trace_msg`).
    pub fn messages(&self) -> String {
        std::fs::read_to_string(&self.logs.messages).unwrap_or_default()
    }

    /// The INVITEs SIPp received so far, from its message trace, in arrival order: the
    /// first arrival of each SIP Call-ID (retransmissions do not count).
    pub fn received_invites(&self) -> Vec<ReceivedInvite> {
        received_invites(&self.messages())
    }

    /// The errors SIPp logged so far (`-trace_err`).
    pub fn errors(&self) -> String {
        std::fs::read_to_string(&self.logs.errors).unwrap_or_default()
    }

    /// What SIPp wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.logs.stderr).unwrap_or_default()
    }

    /// Waits up to `within` for SIPp to exit and returns its exit code (0: every call ran as
    /// the scenario says; -1: killed by a signal); prints its logs when it is not 0. Panics
    /// when SIPp is still running after `within`.
    pub async fn finish(&mut self, within: Duration) -> i32 {
        let status = match tokio::time::timeout(within, self.child.wait()).await {
            Ok(status) => status.expect("wait for sipp"),
            Err(_) => panic!(
                "sipp ({}) still running after {within:?}",
                self.scenario.display()
            ),
        };
        let code = status.code().unwrap_or(-1);
        if code != 0 {
            eprintln!(
                "---- sipp ({}) exited with {code} ----",
                self.scenario.display()
            );
            self.dump();
        }
        code
    }

    /// Asserts that SIPp exits 0 within `within` (every call ran as the scenario says); its
    /// logs are printed otherwise.
    pub async fn assert_ok(&mut self, within: Duration) {
        let code = self.finish(within).await;
        assert_eq!(
            code,
            0,
            "SIPp ({}) did not see the scenario it expected; its logs are printed above",
            self.scenario.display()
        );
    }

    async fn wait_listening(&mut self) {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            let listening = match self.transport {
                Transport::Tcp => tokio::net::TcpStream::connect(self.addr).await.is_ok(),
                // A bound UDP port refuses a second bind.
                Transport::Udp => UdpSocket::bind(self.addr).is_err(),
            };
            if listening {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.dump();
                panic!(
                    "sipp ({}) exited with {status} before listening on {}",
                    self.scenario.display(),
                    self.addr
                );
            }
            if Instant::now() >= deadline {
                self.dump();
                panic!(
                    "sipp ({}) did not listen on {} within {READY_WITHIN:?}",
                    self.scenario.display(),
                    self.addr
                );
            }
            tokio::time::sleep(READY_POLL).await;
        }
    }

    /// Prints the error and message traces and stderr, once.
    fn dump(&mut self) {
        if self.dumped {
            return;
        }
        self.dumped = true;
        for (what, text) in [
            ("errors", self.errors()),
            ("messages", self.messages()),
            ("stderr", self.stderr()),
        ] {
            eprintln!(
                "---- sipp ({}) {what} ----\n{text}",
                self.scenario.display()
            );
        }
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.dump();
        }
        // Killed here rather than left to kill_on_drop, so it is stated where it happens;
        // an exited child makes this a no-op.
        let _ = self.child.start_kill();
    }
}

/// An INVITE SIPp received (see [`Sipp::received_invites`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedInvite {
    /// When SIPp logged it, in seconds since midnight.
    pub at_s: f64,
    /// The user part of the Request-URI: `+31610000007` of
    /// `INVITE sip:+31610000007@127.0.0.1:5060 SIP/2.0`.
    pub callee: String,
}

/// The INVITEs received in a SIPp message trace (`-trace_msg`), first arrival per SIP
/// Call-ID, sorted by arrival.
fn received_invites(messages: &str) -> Vec<ReceivedInvite> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for block in messages
        .split("-----------------------------------------------")
        .skip(1)
    {
        let mut lines = block.lines();
        // " 2026-12-02 07:05:18.394149"
        let stamp = lines.next().unwrap_or_default().trim();
        let received = lines.next().is_some_and(|l| l.contains("message received"));
        let mut message = lines.skip_while(|l| l.trim().is_empty());
        let Some(request) = message.next().filter(|l| l.starts_with("INVITE ")) else {
            continue;
        };
        if !received {
            continue;
        }
        let call_id = message
            .find_map(|l| l.strip_prefix("Call-ID:"))
            .unwrap_or_else(|| panic!("INVITE without Call-ID in\n{block}"))
            .trim()
            .to_owned();
        if !seen.insert(call_id) {
            continue;
        }
        let callee = request
            .trim_start_matches("INVITE sip:")
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned();
        let time = stamp.rsplit(' ').next().unwrap();
        let mut parts = time.split(':').map(|p| p.parse::<f64>().unwrap());
        let (h, m, s) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        out.push(ReceivedInvite {
            at_s: h * 3600.0 + m * 60.0 + s,
            callee,
        });
    }
    out.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    out
}

/// The most INVITEs that arrived within any one second (a window opening at each arrival).
pub fn most_in_one_second(invites: &[ReceivedInvite]) -> usize {
    (0..invites.len())
        .map(|k| {
            invites[k..]
                .iter()
                .take_while(|u| u.at_s - invites[k].at_s < 1.0)
                .count()
        })
        .max()
        .unwrap_or(0)
}
