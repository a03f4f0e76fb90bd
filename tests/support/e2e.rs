//! End-to-end harness: the real `voice-otp serve` process, a SIPp UAS as the trunk (run by
//! voice-otp-testkit) and a real HTTP callback receiver, all on loopback. Every process is
//! killed on drop and every wait is bounded. Used by the end-to-end files in `tests/e2e/` as
//! `use voice_otp_suite::e2e::*;`.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::{repo_root, voice_otp_bin};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

pub const TOKEN: &str = "e2e-token-5f1c9a";
pub const SECRET: &str = "e2e-callback-secret";

pub use voice_otp_testkit::sipp::{Sipp, fixture as scenario, free_tcp_port, free_udp_port};

/// A free, even-aligned RTP range of 64 ports. The daemon's allocator does not skip ports it
/// cannot bind, so concurrent daemons (parallel tests, other crates' suites) must not share
/// a range: the base is spread by pid, time and a counter and probed before use.
pub fn rtp_range() -> (u16, u16) {
    rtp_range_sized(64)
}

/// A free, even-aligned RTP range of `size` ports (a multiple of 64, at most 4096), probed
/// like [`rtp_range`].
pub fn rtp_range_sized(size: u16) -> (u16, u16) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    assert!(size.is_multiple_of(64) && (64..=4096).contains(&size));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let mut seed = std::process::id()
        .wrapping_mul(2_654_435_761)
        .wrapping_add(nanos)
        .wrapping_add(NEXT.fetch_add(7919, Ordering::Relaxed));
    let slots = u32::from((60_000 - 30_000 - size) / 64);
    for _ in 0..200 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        // 30000..60000 in steps of 64.
        let base = 30_000 + ((seed >> 8) % slots) as u16 * 64;
        let free = (0..size)
            .step_by(8)
            .all(|i| UdpSocket::bind(("127.0.0.1", base + i)).is_ok());
        if free {
            return (base, base + size - 1);
        }
    }
    panic!("no free RTP range found");
}

/// SIPp's own timeout in the end-to-end runs: long enough for auto-replays and bursts.
pub const SIPP_TIMEOUT: Duration = Duration::from_secs(60);

/// Starts a SIPp UAS running `fixtures/sipp/<scenario_file>` for `calls` calls as the trunk,
/// with its logs in `dir`, and waits until it has bound its port.
pub async fn sipp_trunk(dir: &Path, scenario_file: &str, calls: u32) -> Sipp {
    Sipp::uas(scenario(scenario_file))
        .dir(dir)
        .calls(calls)
        .timeout(SIPP_TIMEOUT)
        .start()
        .await
}

async fn wait_child(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Settings of one daemon run.
#[derive(Clone, Debug)]
pub struct DaemonConfig {
    pub dir: PathBuf,
    pub trunk: SocketAddr,
    pub http_port: u16,
    pub rtp: (u16, u16),
    pub log_level: String,
    /// Extra TOML appended to the `[calls]` section.
    pub calls_extra: String,
    /// TOML appended at the end of the file, such as `[[tenants]]` entries.
    pub extra: String,
    /// `[[trunks]]` entries to dial through instead of `[sip] trunk = <trunk>` (which is
    /// then left out, with `[sip] transport`, as the two cannot be combined).
    pub trunks: Option<String>,
    /// Extra environment of the daemon process: `VOICE_OTP_<SECTION>_<KEY>` overrides any
    /// config key, so a test sets keys of other sections without a second TOML table.
    pub env: Vec<(String, String)>,
    /// A command the daemon is run under, such as `["prlimit", "--nofile=1024:1024"]`; it
    /// must exec the daemon, so that [`Daemon::pid`] and the signals reach the daemon.
    pub wrapper: Vec<String>,
    /// `[store] url`: a PostgreSQL database instead of the SQLite file of [`DaemonConfig::db`].
    pub store_url: Option<String>,
}

impl DaemonConfig {
    pub fn new(dir: &Path, trunk: SocketAddr) -> DaemonConfig {
        DaemonConfig {
            dir: dir.to_owned(),
            trunk,
            http_port: free_tcp_port(),
            rtp: rtp_range(),
            log_level: "info".to_owned(),
            calls_extra: String::new(),
            extra: String::new(),
            trunks: None,
            env: Vec::new(),
            wrapper: Vec::new(),
            store_url: None,
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.join("store").join("voice-otp.db")
    }

    /// How many calls the daemon's store holds (every dialled call is stored first, so a
    /// count that stays put means nothing was dialled).
    pub fn stored_calls(&self) -> i64 {
        let db = rusqlite::Connection::open(self.db()).unwrap();
        db.busy_timeout(Duration::from_secs(5)).unwrap();
        db.query_row("SELECT COUNT(*) FROM calls", [], |r| r.get(0))
            .unwrap()
    }

    fn toml(&self) -> String {
        let defaults = repo_root().join("audio");
        format!(
            r#"[http]
listen = "127.0.0.1:{http}"
tokens = ["{TOKEN}"]

[sip]
listen = "127.0.0.1:0"
{sip_trunk}from-domain = "127.0.0.1"

[rtp]
ip = "127.0.0.1"
ports = "{r0}-{r1}"

[store]
{store}

[audio]
dir = "{audio}"
defaults = "{defaults}"

[callbacks]
secret = "{SECRET}"
timeout = "2s"
initial-backoff = "200ms"
max-backoff = "500ms"
# The tests' receivers listen on loopback.
allow-private-networks = true

[guard]
# Tests call the same numbers again and again; the limits have their own tests.
callee-calls-per-10m = 1000000
callee-calls-per-24h = 1000000
calls-per-second = 1000000
max-queued-calls = 1000000
max-callees-per-request = 1000000

[calls]
replay-wait = "5s"
{extra}

[log]
level = "{level}"

{extra_toml}
{trunks}
"#,
            http = self.http_port,
            sip_trunk = match self.trunks {
                Some(_) => String::new(),
                None => format!("transport = \"udp\"\ntrunk = \"{}\"\n", self.trunk),
            },
            r0 = self.rtp.0,
            r1 = self.rtp.1,
            store = match &self.store_url {
                // Cluster mode needs the sealing secret of the call queue.
                Some(url) => format!(
                    "url = \"{url}\"\n\n[cluster]\nsecret = \"e2e-cluster-secret-0123456789abcdef\""
                ),
                None => format!("path = \"{}\"", self.db().display()),
            },
            audio = self.dir.join("audio").display(),
            defaults = defaults.display(),
            extra = self.calls_extra,
            level = self.log_level,
            extra_toml = self.extra,
            trunks = self.trunks.as_deref().unwrap_or_default(),
        )
    }
}

/// A running `voice-otp serve` process.
pub struct Daemon {
    child: Option<Child>,
    pub config: DaemonConfig,
    pub base: String,
    pub client: reqwest::Client,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

static RUN: AtomicU32 = AtomicU32::new(0);

impl Daemon {
    /// Writes the config, starts the daemon and waits (bounded) until `/healthz` answers 200.
    pub async fn start(config: DaemonConfig) -> Daemon {
        let run = RUN.fetch_add(1, Ordering::Relaxed);
        let path = config.dir.join(format!("voice-otp-{run}.toml"));
        std::fs::write(&path, config.toml()).unwrap();
        let stdout = config.dir.join(format!("daemon-{run}.stdout"));
        let stderr = config.dir.join(format!("daemon-{run}.stderr"));
        let mut command = match config.wrapper.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(voice_otp_bin());
                command
            }
            None => Command::new(voice_otp_bin()),
        };
        let child = command
            .arg("serve")
            .arg("--config")
            .arg(&path)
            .env("RUST_LOG", &config.log_level)
            .env("NO_COLOR", "1")
            .envs(config.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("voice-otp binary runs");
        let mut daemon = Daemon {
            child: Some(child),
            base: format!("http://127.0.0.1:{}", config.http_port),
            config,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            stdout,
            stderr,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(r) = daemon.client.get(daemon.url("/healthz")).send().await
                && r.status() == 200
            {
                return daemon;
            }
            if let Some(status) = daemon.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("voice-otp serve exited with {status}: {}", daemon.logs());
            }
            assert!(
                Instant::now() < deadline,
                "voice-otp serve not healthy in time: {}",
                daemon.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The `/metrics` text now.
    pub async fn metrics(&self) -> String {
        let response = self.client.get(self.url("/metrics")).send().await.unwrap();
        response.text().await.unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Everything the daemon wrote to stdout and stderr so far.
    pub fn logs(&self) -> String {
        let out = std::fs::read_to_string(&self.stdout).unwrap_or_default();
        let err = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        format!("{out}{err}")
    }

    /// POSTs an OTP instruction; returns the status, the raw body and its JSON.
    pub async fn otp(&self, body: &Value) -> (u16, String, Value) {
        self.post("/voiceapi/v2/OTP", body).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, String, Value) {
        let answer = post_with_token(&self.client, &self.url(path), body).await;
        (answer.status, answer.text, answer.json)
    }

    /// GETs with the token; returns the status, the raw body and its JSON.
    pub async fn get(&self, path: &str) -> (u16, String, Value) {
        let resp = self
            .client
            .get(self.url(path))
            .header("X-CM-PRODUCTTOKEN", TOKEN)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, text, json)
    }

    /// Posts an OTP for one callee and returns the call id.
    pub async fn otp_call(&self, body: &Value) -> String {
        let (status, text, json) = self.otp(body).await;
        assert_eq!(status, 200, "{text}");
        json["call-id"]
            .as_str()
            .unwrap_or_else(|| panic!("no call-id in {text}"))
            .to_owned()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("daemon running").id()
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig} failed");
    }

    pub fn sigterm(&self) {
        self.signal("TERM");
    }

    /// SIGKILL: no shutdown work at all, as in a crash.
    pub async fn sigkill(&mut self) {
        let mut child = self.child.take().expect("daemon running");
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// Waits (bounded) for the process to exit.
    pub async fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let child = self.child.as_mut().expect("daemon running");
        let status = wait_child(child, within).await;
        self.child = None;
        status.unwrap_or_else(|| panic!("daemon still running after {within:?}"))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub use crate::callback_receiver::{Received, Receiver};

/// Checks `X-Voice-OTP-Signature: sha256=<hex>` is the HMAC-SHA256 under `secret` of
/// `"<X-Voice-OTP-Timestamp>." + body`, and that the timestamp is recent.
pub fn assert_signed(got: &Received, secret: &str) {
    let header = got
        .headers
        .get("x-voice-otp-signature")
        .expect("X-Voice-OTP-Signature header")
        .to_str()
        .unwrap();
    let hex_sig = header
        .strip_prefix("sha256=")
        .unwrap_or_else(|| panic!("signature {header:?} is not sha256=<hex>"));
    let sig = hex::decode(hex_sig).expect("signature is hex");
    let ts = got
        .headers
        .get("x-voice-otp-timestamp")
        .expect("X-Voice-OTP-Timestamp header")
        .to_str()
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(&got.body);
    mac.verify_slice(&sig).expect(
        "signature is the HMAC-SHA256 of \"<timestamp>.\" + the raw body with the configured secret",
    );
    let ts: u64 = ts
        .parse()
        .unwrap_or_else(|_| panic!("timestamp {ts:?} is not Unix seconds"));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        ts.abs_diff(now) < 120,
        "timestamp {ts} is not close to now ({now})"
    );
}

/// A minimal OTP body for one callee with the receiver as callback.
/// What the API answered a POST.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The raw body, and its JSON (`Null` when it is not JSON).
    pub text: String,
    pub json: Value,
}

/// POSTs `body` as JSON to `url` with the test product token, on `client` (a daemon's, or
/// one with other timeouts, for requests sent from spawned tasks or to other nodes).
pub async fn post_with_token(client: &reqwest::Client, url: &str, body: &Value) -> Answer {
    let resp = client
        .post(url)
        .header("X-CM-PRODUCTTOKEN", TOKEN)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = resp.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        retry_after,
        text,
        json,
    }
}

pub fn otp_body(code: &str, callback: &str) -> Value {
    serde_json::json!({
        "callee": "+31612345678",
        "caller": "+31201234567",
        "code": code,
        "callback-url": callback,
    })
}

/// One call to a SIPp trunk that answers it busy (486), with its callback to a receiver,
/// placed by a daemon whose SQLite store refuses, through a trigger, every update of
/// `table` that sets `column` ("injected store failure") until [`RefusingStore::stop_refusing`].
pub struct RefusingStore {
    /// A connection to the daemon's store, for the test to read what got stored.
    pub db: rusqlite::Connection,
    pub daemon: Daemon,
    pub receiver: Receiver,
    pub sipp: Sipp,
    trigger: String,
}

impl RefusingStore {
    /// Starts the trunk, the receiver and the daemon in `dir` and installs the trigger.
    pub async fn start(dir: &Path, table: &str, column: &str) -> RefusingStore {
        let sipp = sipp_trunk(dir, "uas_busy_486.xml", 1).await;
        let receiver = Receiver::start(&[]).await;
        let daemon = Daemon::start(DaemonConfig::new(dir, sipp.addr())).await;
        let db = rusqlite::Connection::open(daemon.config.db()).unwrap();
        db.busy_timeout(Duration::from_secs(5)).unwrap();
        let trigger = format!("refuse_{table}_{column}");
        db.execute_batch(&format!(
            "CREATE TRIGGER {trigger} BEFORE UPDATE ON {table}
             WHEN NEW.{column} IS NOT NULL
             BEGIN SELECT RAISE(ABORT, 'injected store failure'); END;"
        ))
        .unwrap();
        RefusingStore {
            db,
            daemon,
            receiver,
            sipp,
            trigger,
        }
    }

    /// Drops the trigger: the store works again.
    pub fn stop_refusing(&self) {
        self.db
            .execute_batch(&format!("DROP TRIGGER {}", self.trigger))
            .unwrap();
    }
}

/// Node a of a two-node cluster on a fresh PostgreSQL database: one call slot
/// (`max-concurrent = 1`), a trunk that never answers (each INVITE rings, retransmitted,
/// and holds its slot) and a callback receiver. [`OneSlotNode::next_node`] configures
/// a second node on the same database.
pub struct OneSlotNode {
    pub node_a: Daemon,
    pub receiver: Receiver,
    /// The silent trunk: what it receives are the nodes' INVITEs.
    pub trunk: tokio::net::UdpSocket,
    /// Node a's settings.
    pub config: DaemonConfig,
    pub pg: voice_otp_testkit::postgres::Postgres,
}

impl OneSlotNode {
    /// Starts PostgreSQL with the database `database`, the trunk, the receiver and node a
    /// (its files in `dir`).
    pub async fn start(dir: &Path, database: &str) -> OneSlotNode {
        let pg = voice_otp_testkit::postgres::Postgres::start();
        let url = pg.create_database(database);
        let trunk = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver::start(&[]).await;
        let mut config = DaemonConfig::new(dir, trunk.local_addr().unwrap());
        config.store_url = Some(url);
        config.calls_extra = "max-concurrent = 1".to_owned();
        let node_a = Daemon::start(config.clone()).await;
        OneSlotNode {
            node_a,
            receiver,
            trunk,
            config,
            pg,
        }
    }

    /// Node a's settings on an HTTP port and RTP range of their own: a second node.
    pub fn next_node(&self) -> DaemonConfig {
        let mut config = self.config.clone();
        config.http_port = free_tcp_port();
        config.rtp = rtp_range();
        config
    }
}

/// An 8 kHz mono 16-bit WAV file of `samples`, as an upload body.
pub fn wav_8k(samples: impl IntoIterator<Item = i16>) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    for x in samples {
        w.write_sample(x).unwrap();
    }
    w.finalize().unwrap();
    out.into_inner()
}
