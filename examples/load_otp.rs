//! Capacity of `voice-otp serve` with SIPp as the trunk, on loopback. Bounded in count and
//! time; stops by itself. Build the daemon first (`cargo build -p voice-otp-daemon --bin
//! voice-otp`), then:
//!
//! ```text
//! cargo run --example load_otp -- rate <calls/s> <seconds>      # setup rate, short calls
//! cargo run --example load_otp -- concurrent <calls> <hold s>   # live answered calls, RSS
//! cargo run --example load_otp -- latency <calls/s> <seconds>   # API request -> INVITE
//! ```
//!
//! - `rate`: one OTP request per call (one callee each, code "1", no callback) at a fixed
//!   rate; SIPp answers and the daemon hangs up after reading the code. Reports
//!   sent/accepted, calls ended by result (daemon `/metrics`), SIPp's exit status (0: every call went as scripted).
//! - `concurrent`: ramps up to N answered calls that each stream a 64-character code; SIPp
//!   hangs each up after `hold` seconds. Reports the daemon's RSS idle and with N live
//!   calls (per-call delta), and the RTP packets per second sent while all are live.
//! - `latency`: the daemon's trunk is a UDP tap in this process that forwards to SIPp and
//!   timestamps every INVITE; per call, request send time -> INVITE seen, p50/p99/max.
//! - `rate <calls/s> <seconds> udp|tls`: the same through a real Kamailio in front of SIPp
//!   (407 challenge, then forwarded over UDP), which the daemon reaches over UDP or over TLS
//!   (Kamailio's `tls` module, throwaway certificates): the setup rate of the two signalling
//!   transports through the same proxy (issue 13; SIPp itself has no TLS in Debian's build).
//! - `store <sqlite|pg|pg2> <calls/s> <seconds>` (issue 14): the setup rate and request ->
//!   INVITE latency of one node on SQLite, one node on PostgreSQL, and two nodes on one
//!   PostgreSQL (requests alternate between them), each node's trunk a tap in front of SIPp
//!   as in `latency`. A throwaway PostgreSQL (testkit, `initdb` in a temp dir) is reached
//!   through a TCP relay in this process that counts round trips (a client-to-server burst
//!   after the server spoke): per call, after taking off what the idle nodes spend
//!   (heartbeats, polls) in the same time. `LOAD_PG_DIRECT=1` connects without the relay
//!   (no count; the relay's hop adds to every round trip).
//! - `tls-handshake <count>`: that many full TLS handshakes, one after the other, of a rustls
//!   client (the daemon's TLS stack) with Kamailio's TLS listener; p50/p99/mean.
#![allow(missing_docs, unreachable_pub, dead_code)]

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use voice_otp_suite::e2e::{self, Daemon, DaemonConfig, free_udp_port, scenario};
use voice_otp_testkit::kamailio::Kamailio;
use voice_otp_testkit::postgres::Postgres;
use voice_otp_testkit::tls_certs::TestPki;

const MAX_SECONDS: u64 = 120;
const MAX_CALLS: u64 = 40_000;

struct SippUas {
    child: std::process::Child,
    addr: SocketAddr,
}

impl SippUas {
    /// SIPp answering `calls` calls; stops by itself after `limit_s`. With `hang_up_after`
    /// it sends BYE itself that long after the ACK (`e2e_load_answer_pause_bye.xml`; the
    /// call must still be reading then), without it waits for the daemon's BYE
    /// (`uas_answer_bye.xml`), so neither side's timing decides who hangs up first.
    fn start(dir: &Path, calls: u64, hang_up_after: Option<u64>, limit_s: u64) -> SippUas {
        let port = free_udp_port();
        let media = free_udp_port();
        let child = Command::new("sipp")
            .arg("-sf")
            .arg(scenario(match hang_up_after {
                Some(_) => "e2e_load_answer_pause_bye.xml",
                None => "uas_answer_bye.xml",
            }))
            .args(["-i", "127.0.0.1", "-mi", "127.0.0.1", "-t", "u1"])
            .args(["-p", &port.to_string(), "-mp", &media.to_string()])
            .args(["-m", &calls.to_string()])
            .args(["-d", &hang_up_after.unwrap_or(0).to_string()])
            .args(["-nostdin", "-timeout", &format!("{limit_s}s")])
            .args(["-max_socket", "4096", "-trace_err", "-error_file"])
            .arg(dir.join("sipp-errors.log"))
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sipp is installed");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(5);
        while UdpSocket::bind(addr).is_ok() {
            assert!(Instant::now() < deadline, "sipp did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        SippUas { child, addr }
    }

    async fn wait(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SippUas {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temp dir, kept (and printed) when `LOAD_KEEP` is set, for looking at SIPp's errors
/// and the daemon's logs after a run.
fn work_dir() -> tempfile::TempDir {
    let mut dir = tempfile::tempdir().unwrap();
    if std::env::var_os("LOAD_KEEP").is_some() {
        dir.disable_cleanup(true);
        println!("work dir (kept): {}", dir.path().display());
    }
    dir
}

fn load_config(dir: &Path, trunk: SocketAddr) -> DaemonConfig {
    let mut c = DaemonConfig::new(dir, trunk);
    c.log_level = std::env::var("LOAD_LOG").unwrap_or_else(|_| "warn".to_owned());
    c.rtp = (40_000, 47_999);
    c.calls_extra = "max-concurrent = 3000".to_owned();
    // `LOAD_ENV="KEY=VALUE ..."`: more of the daemon's environment (any config key).
    if let Ok(extra) = std::env::var("LOAD_ENV") {
        c.env.extend(extra.split_whitespace().filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.to_owned(), v.to_owned()))
        }));
    }
    c
}

fn metric(text: &str, prefix: &str) -> u64 {
    text.lines()
        .filter(|l| l.starts_with(prefix))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|v| v as u64)
        .sum()
}

async fn metrics(d: &Daemon) -> String {
    d.client
        .get(d.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// User plus system CPU time of process `pid` so far, in milliseconds (`/proc/<pid>/stat`,
/// 100 ticks a second).
fn cpu_ms(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces) start after its ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the ')'.
    (ticks(11) + ticks(12)) * 10
}

/// One request [`drive`] sent.
#[derive(Debug)]
struct Sent {
    index: u64,
    at: Instant,
    /// 0: no answer.
    status: u16,
    answered_in: Duration,
}

/// Sends `total` OTP requests at `rate`/s; each gets a distinct callee.
async fn drive(d: &Daemon, rate: u64, total: u64) -> Vec<Sent> {
    drive_spread(std::slice::from_ref(d), rate, total).await
}

async fn wait_ended(d: &Daemon, total: u64, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let m = metrics(d).await;
        if metric(&m, "voice_otp_calls_total{") >= total || Instant::now() > deadline {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn report_results(m: &str) {
    for l in m
        .lines()
        .filter(|l| l.starts_with("voice_otp_calls_total{"))
    {
        println!("  {l}");
    }
}

/// `rate`'s trunk: SIPp itself, or a Kamailio in front of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    Sipp,
    /// Kamailio (407, then forwards to SIPp over UDP), reached over UDP or TLS.
    Kamailio {
        tls: bool,
    },
}

const TRUNK_USER: &str = "load-user";
const TRUNK_PASSWORD: &str = "load-password";

/// Starts the Kamailio of `via` in front of `sipp` (if any); returns the daemon's trunk, the
/// settings that reach it, and the running Kamailio.
async fn trunk_for(via: Via, dir: &Path, sipp: SocketAddr) -> (DaemonConfig, Option<Kamailio>) {
    let Via::Kamailio { tls } = via else {
        return (load_config(dir, sipp), None);
    };
    let kam_dir = dir.join("kamailio");
    std::fs::create_dir_all(&kam_dir).unwrap();
    let pki = TestPki::generate(dir, "trunk");
    let mut builder = Kamailio::builder(TRUNK_USER, TRUNK_PASSWORD).forward_to(sipp);
    if tls {
        builder = builder.tls(&pki);
    }
    let kamailio = builder.start(&kam_dir).await;
    let trunk = match tls {
        true => kamailio.tls_addr(),
        false => kamailio.udp_addr(),
    };
    let mut sip = vec![
        ("USERNAME", TRUNK_USER.to_owned()),
        ("PASSWORD", TRUNK_PASSWORD.to_owned()),
    ];
    if tls {
        sip.push(("TRANSPORT", "tls".to_owned()));
        sip.push(("TLS_CA", pki.ca_cert.display().to_string()));
    }
    let mut config = load_config(dir, trunk);
    config.env = sip
        .into_iter()
        .map(|(key, value)| (format!("VOICE_OTP_SIP_{key}"), value))
        .collect();
    (config, Some(kamailio))
}

async fn rate(rate: u64, secs: u64, via: Via) {
    let total = (rate * secs).min(MAX_CALLS);
    let dir = work_dir();
    let mut sipp = SippUas::start(dir.path(), total, None, secs + 60);
    let (config, _kamailio) = trunk_for(via, dir.path(), sipp.addr).await;
    println!("trunk: {via:?}");
    let d = Daemon::start(config).await;
    let cpu0 = cpu_ms(d.pid());
    let t0 = Instant::now();
    let sent = drive(&d, rate, total).await;
    let ok = sent.iter().filter(|s| s.status == 200).count();
    println!("accepted (200): {ok} of {total}");
    let m = wait_ended(&d, total, Duration::from_secs(60)).await;
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_ms(d.pid()).saturating_sub(cpu0) as f64;
    println!("all calls ended {wall:.2} s after the first request");
    println!(
        "daemon CPU {:.1} % of one core over that time, {:.2} ms per call",
        cpu / wall / 10.0,
        cpu / total.max(1) as f64
    );
    report_results(&m);
    let code = sipp.wait(Duration::from_secs(30)).await;
    println!("sipp exit: {code:?} (0 = every call as scripted)");
    let errors = std::fs::read_to_string(dir.path().join("sipp-errors.log")).unwrap_or_default();
    println!("sipp error lines: {}", errors.lines().count());
}

async fn concurrent(calls: u64, hold: u64) {
    let calls = calls.min(3000);
    let dir = work_dir();
    let mut sipp = SippUas::start(dir.path(), calls, Some(hold * 1000), hold + 90);
    let d = Daemon::start(load_config(dir.path(), sipp.addr)).await;
    let pid = d.pid();
    // Warm up allocator and connection pools with the idle daemon, then sample.
    for _ in 0..20 {
        let _ = metrics(&d).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = rss_kib(pid);
    let t0 = Instant::now();
    let code: String = "4829175036".repeat(7)[..64].to_owned();
    let limit = Arc::new(tokio::sync::Semaphore::new(128));
    let mut tasks = Vec::new();
    for i in 0..calls {
        let permit = Arc::clone(&limit).acquire_owned().await.unwrap();
        let (client, url, code) = (d.client.clone(), d.url("/voiceapi/v2/OTP"), code.clone());
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .header("X-CM-PRODUCTTOKEN", e2e::TOKEN)
                .json(&json!({"callee": format!("+3162{:07}", i), "caller": "+31201234567", "code": code}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            drop(permit);
            r
        }));
        // 250 calls/s ramp.
        tokio::time::sleep(Duration::from_millis(4)).await;
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap() == 200 {
            ok += 1;
        }
    }
    println!(
        "accepted {ok} of {calls} in {:.2} s",
        t0.elapsed().as_secs_f64()
    );
    // Wait until every call is live and answered (active gauge), bounded.
    let deadline = Instant::now() + Duration::from_secs(hold.saturating_sub(5).max(5));
    let mut m = metrics(&d).await;
    while metric(&m, "voice_otp_calls_active") < calls && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        m = metrics(&d).await;
    }
    let active = metric(&m, "voice_otp_calls_active");
    let live_rss = rss_kib(pid);
    // The daemon's RTP counters are added when a call ends; while calls are live the
    // host-wide UDP datagram counter shows the send rate (the daemon's streams dominate it).
    let u0 = udp_out_datagrams();
    let w0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let host_pps = (udp_out_datagrams() - u0) as f64 / w0.elapsed().as_secs_f64();
    let active2 = metric(&metrics(&d).await, "voice_otp_calls_active");
    println!("active calls {active}, still active 3 s later {active2}");
    println!(
        "RSS idle {idle} KiB, with {active} live calls {live_rss} KiB: {:.1} KiB per call",
        (live_rss.saturating_sub(idle)) as f64 / active.max(1) as f64
    );
    println!(
        "host UDP datagrams sent while live: {host_pps:.0}/s = {:.1} per live call per s",
        host_pps / active2.max(1) as f64
    );
    let m = wait_ended(&d, calls, Duration::from_secs(hold + 60)).await;
    report_results(&m);
    let sent = metric(&m, "voice_otp_rtp_packets_total{direction=\"sent\"");
    let db = rusqlite::Connection::open(d.config.db()).unwrap();
    let (answered, talk_ms): (i64, i64) = db
        .query_row(
            "SELECT count(answered_ms), coalesce(sum(ended_ms - answered_ms), 0) FROM calls",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    println!(
        "answered {answered}; RTP sent {sent} packets over {:.0} answered call-seconds = {:.1} packets/s per call (50 = every 20 ms frame)",
        talk_ms as f64 / 1000.0,
        sent as f64 / (talk_ms as f64 / 1000.0).max(1.0)
    );
    let code = sipp.wait(Duration::from_secs(30)).await;
    println!("sipp exit: {code:?} (0 = every call as scripted)");
}

/// `OutDatagrams` of the host's UDP counters (`/proc/net/snmp`).
fn udp_out_datagrams() -> u64 {
    let snmp = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let mut udp = snmp.lines().filter(|l| l.starts_with("Udp:"));
    let (Some(names), Some(values)) = (udp.next(), udp.next()) else {
        return 0;
    };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(n, _)| *n == "OutDatagrams")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

/// Forwards between the daemon and SIPp, stamping each first INVITE by its callee.
fn tap(
    sock: UdpSocket,
    sipp: SocketAddr,
    seen: Arc<Mutex<HashMap<String, Instant>>>,
    stop: Arc<AtomicBool>,
) {
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut daemon: Option<SocketAddr> = None;
    let mut buf = vec![0u8; 65_536];
    while !stop.load(Ordering::Relaxed) {
        let Ok((n, from)) = sock.recv_from(&mut buf) else {
            continue;
        };
        let at = Instant::now();
        if from == sipp {
            if let Some(d) = daemon {
                let _ = sock.send_to(&buf[..n], d);
            }
        } else {
            daemon = Some(from);
            if buf[..n].starts_with(b"INVITE sip:")
                && let Some(user) = buf[11..n.min(80)]
                    .split(|&b| b == b'@')
                    .next()
                    .map(|u| String::from_utf8_lossy(u).into_owned())
            {
                seen.lock().unwrap().entry(user).or_insert(at);
            }
            let _ = sock.send_to(&buf[..n], sipp);
        }
    }
}

/// `latency` is `store sqlite`: one node on SQLite behind the tap.
async fn latency(rate: u64, secs: u64) {
    store_load(Backend::Sqlite, rate, secs).await
}

/// `store`'s backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres { nodes: usize },
}

/// A TCP relay between the nodes and PostgreSQL that counts round trips: each time a
/// connection's client sends after the server last spoke (or first), one more.
async fn counting_relay(upstream: SocketAddr, round_trips: Arc<AtomicU64>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let round_trips = Arc::clone(&round_trips);
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                // As the driver does on its own socket: no Nagle delay on either leg.
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                // true: the client spoke last.
                let client_last = Arc::new(AtomicBool::new(false));
                let up = {
                    let client_last = Arc::clone(&client_last);
                    async move {
                        let mut buf = vec![0u8; 65_536];
                        while let Ok(n @ 1..) = cr.read(&mut buf).await {
                            if !client_last.swap(true, Ordering::Relaxed) {
                                round_trips.fetch_add(1, Ordering::Relaxed);
                            }
                            if sw.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    }
                };
                let down = async move {
                    let mut buf = vec![0u8; 65_536];
                    while let Ok(n @ 1..) = sr.read(&mut buf).await {
                        client_last.store(false, Ordering::Relaxed);
                        if cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                };
                tokio::join!(up, down);
            });
        }
    });
    addr
}

/// Starts a tap (see [`tap`]) in front of `sipp`: its address and its thread.
fn start_tap(
    sipp: SocketAddr,
    seen: &Arc<Mutex<HashMap<String, Instant>>>,
    stop: &Arc<AtomicBool>,
) -> (SocketAddr, std::thread::JoinHandle<()>) {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    let (seen, stop) = (Arc::clone(seen), Arc::clone(stop));
    (
        addr,
        std::thread::spawn(move || tap(sock, sipp, seen, stop)),
    )
}

async fn store_load(backend: Backend, rate: u64, secs: u64) {
    let total = (rate * secs).min(MAX_CALLS);
    let dir = work_dir();
    let mut sipp = SippUas::start(dir.path(), total, None, secs + 60);
    let seen = Arc::new(Mutex::new(HashMap::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let round_trips = Arc::new(AtomicU64::new(0));
    let (nodes, pg) = match backend {
        Backend::Sqlite => (1, None),
        Backend::Postgres { nodes } => (nodes, Some(Postgres::start())),
    };
    let store_url = match &pg {
        None => None,
        Some(pg) => {
            let url = pg.create_database("voice_otp_load");
            // `LOAD_PG_DIRECT`: no relay (its hop costs each round trip), so no count.
            if std::env::var_os("LOAD_PG_DIRECT").is_some() {
                Some(url)
            } else {
                let upstream = SocketAddr::from(([127, 0, 0, 1], pg.port()));
                let relay = counting_relay(upstream, Arc::clone(&round_trips)).await;
                Some(url.replace(&format!(":{}/", pg.port()), &format!(":{}/", relay.port())))
            }
        }
    };
    let mut daemons = Vec::new();
    let mut taps = Vec::new();
    for n in 0..nodes {
        let (tap_addr, tap_thread) = start_tap(sipp.addr, &seen, &stop);
        taps.push(tap_thread);
        let mut config = load_config(dir.path(), tap_addr);
        config.rtp = (40_000 + 4_000 * n as u16, 43_999 + 4_000 * n as u16);
        config.store_url = store_url.clone();
        daemons.push(Daemon::start(config).await);
    }
    println!("backend: {backend:?}");
    // What the idle nodes spend on the database (heartbeats, polls), to take off below.
    let idle = Duration::from_secs(5);
    let rt0 = round_trips.load(Ordering::Relaxed);
    tokio::time::sleep(idle).await;
    let idle_per_s = (round_trips.load(Ordering::Relaxed) - rt0) as f64 / idle.as_secs_f64();
    let rt0 = round_trips.load(Ordering::Relaxed);
    let t0 = Instant::now();
    let sent = drive_spread(&daemons, rate, total).await;
    let mut statuses = std::collections::BTreeMap::new();
    for s in &sent {
        *statuses.entry(s.status).or_insert(0) += 1;
    }
    println!("HTTP statuses (0: no answer): {statuses:?}");
    let mut answered: Vec<f64> = sent
        .iter()
        .map(|s| s.answered_in.as_secs_f64() * 1000.0)
        .collect();
    answered.sort_by(f64::total_cmp);
    println!("request -> HTTP answer: {}", p50_p99(&answered));
    let deadline = Instant::now() + Duration::from_secs(60);
    let (ended, results) = loop {
        let mut results = Vec::new();
        for d in &daemons {
            results.push(metrics(d).await);
        }
        let ended: u64 = results
            .iter()
            .map(|m| metric(m, "voice_otp_calls_total{"))
            .sum();
        if ended >= total || Instant::now() > deadline {
            break (ended, results);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let wall = t0.elapsed().as_secs_f64();
    let rts = (round_trips.load(Ordering::Relaxed) - rt0) as f64;
    stop.store(true, Ordering::Relaxed);
    for t in taps {
        t.join().unwrap();
    }
    println!("all {ended} calls ended {wall:.2} s after the first request");
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let mut lat: Vec<f64> = sent
        .iter()
        .filter_map(|s| {
            seen.get(&format!("+3161{:07}", s.index))
                .map(|inv| inv.saturating_duration_since(s.at).as_secs_f64() * 1000.0)
        })
        .collect();
    lat.sort_by(f64::total_cmp);
    println!(
        "request -> INVITE on the wire, {} of {total} calls: {}, max {:.2} ms",
        lat.len(),
        p50_p99(&lat),
        lat.last().copied().unwrap_or(0.0)
    );
    if pg.is_some() && rts > 0.0 {
        println!(
            "database round trips: {:.1} per call ({rts:.0} in {wall:.1} s, less {idle_per_s:.1}/s idle)",
            (rts - idle_per_s * wall).max(0.0) / ended.max(1) as f64
        );
    }
    for m in &results {
        report_results(m);
    }
    let code = sipp.wait(Duration::from_secs(30)).await;
    println!("sipp exit: {code:?} (0 = every call as scripted)");
    let errors = std::fs::read_to_string(dir.path().join("sipp-errors.log")).unwrap_or_default();
    println!("sipp error lines: {}", errors.lines().count());
}

/// [`drive`] over several nodes: request `i` goes to node `i % n`.
async fn drive_spread(daemons: &[Daemon], rate: u64, total: u64) -> Vec<Sent> {
    let out = Arc::new(Mutex::new(Vec::with_capacity(total as usize)));
    let limit = Arc::new(tokio::sync::Semaphore::new(256));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..total {
        let at = t0 + Duration::from_secs_f64(i as f64 / rate as f64);
        tokio::time::sleep_until(at.into()).await;
        let permit = Arc::clone(&limit).acquire_owned().await.unwrap();
        let d = &daemons[i as usize % daemons.len()];
        let (client, url, out) = (
            d.client.clone(),
            d.url("/voiceapi/v2/OTP"),
            Arc::clone(&out),
        );
        tasks.push(tokio::spawn(async move {
            let body = json!({
                "callee": format!("+3161{:07}", i),
                "caller": "+31201234567",
                "code": "1",
            });
            let sent = Instant::now();
            let status = client
                .post(url)
                .header("X-CM-PRODUCTTOKEN", e2e::TOKEN)
                .json(&body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            out.lock().unwrap().push(Sent {
                index: i,
                at: sent,
                status,
                answered_in: sent.elapsed(),
            });
            drop(permit);
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = t0.elapsed();
    println!(
        "sent {total} requests in {:.2} s ({:.1}/s offered {rate}/s)",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    Arc::try_unwrap(out).unwrap().into_inner().unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: u64| {
        args.get(i)
            .and_then(|a| a.parse::<u64>().ok())
            .unwrap_or(default)
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let secs = num(2, 10).min(MAX_SECONDS);
    match args.first().map(String::as_str) {
        Some("rate") => {
            let via = match args.get(3).map(String::as_str) {
                None => Via::Sipp,
                Some("udp") => Via::Kamailio { tls: false },
                Some("tls") => Via::Kamailio { tls: true },
                Some(other) => return eprintln!("rate: transport {other:?} is not udp or tls"),
            };
            rt.block_on(rate(num(1, 300), secs, via))
        }
        Some("tls-handshake") => rt.block_on(tls_handshakes(num(1, 200).min(MAX_CALLS))),
        Some("concurrent") => rt.block_on(concurrent(num(1, 1000), num(2, 20).min(MAX_SECONDS))),
        Some("latency") => rt.block_on(latency(num(1, 50), secs)),
        Some("store") => {
            let backend = match args.get(1).map(String::as_str) {
                Some("sqlite") => Backend::Sqlite,
                Some("pg") => Backend::Postgres { nodes: 1 },
                Some("pg2") => Backend::Postgres { nodes: 2 },
                other => return eprintln!("store: backend {other:?} is not sqlite, pg or pg2"),
            };
            let secs = num(3, 10).min(MAX_SECONDS);
            rt.block_on(store_load(backend, num(2, 50), secs))
        }
        _ => eprintln!(
            "usage: load_otp rate|concurrent|latency <n> <seconds> [udp|tls], load_otp store sqlite|pg|pg2 <n> <seconds>, load_otp tls-handshake <n>"
        ),
    }
}

/// `count` full TLS handshakes, one after the other, of a rustls client (ring, TLS 1.2/1.3,
/// as the daemon's) with a real Kamailio's TLS listener on loopback.
async fn tls_handshakes(count: u64) {
    let dir = work_dir();
    let pki = TestPki::generate(dir.path(), "trunk");
    let unused = SocketAddr::from(([127, 0, 0, 1], free_udp_port()));
    let kamailio = Kamailio::builder(TRUNK_USER, TRUNK_PASSWORD)
        .forward_to(unused)
        .tls(&pki)
        .start(dir.path())
        .await;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&pki.ca_cert).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let mut took = Vec::new();
    let mut version = None;
    for _ in 0..count {
        let t0 = Instant::now();
        let tcp = tokio::net::TcpStream::connect(kamailio.tls_addr())
            .await
            .unwrap();
        let tls = connector.connect(name.clone(), tcp).await.unwrap();
        took.push(t0.elapsed().as_secs_f64() * 1000.0);
        version = tls.get_ref().1.protocol_version();
    }
    took.sort_by(f64::total_cmp);
    let mean = took.iter().sum::<f64>() / took.len().max(1) as f64;
    println!(
        "{} TLS handshakes ({version:?}, TCP connect included) with Kamailio: {}, mean {mean:.2} ms",
        took.len(),
        p50_p99(&took)
    );
}

/// "p50 .. ms, p99 .. ms" of sorted milliseconds.
fn p50_p99(sorted: &[f64]) -> String {
    if sorted.is_empty() {
        return "no samples".to_owned();
    }
    let q = |p: f64| sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1];
    format!("p50 {:.2} ms, p99 {:.2} ms", q(0.50), q(0.99))
}
