//! Load harness: N concurrent streams from one [`MediaEngine`] over loopback to a counting
//! receiver that measures inter-arrival error per stream; bounded in time.
//!
//! ```text
//! rtp-load [--streams N] [--seconds S] [--warmup S] [--workers W] [--receivers R]
//!          [--ports LOW-HIGH] [--rx-poll-us US]
//!          [--pacer-priority normal|nice:N|rt:N (default rt:10, the daemon's default)]
//!          [--echo] (the far end talks: every packet goes back to its stream, SSRC changed)
//!          [--srtp] (every stream SRTP, AES_CM_128_HMAC_SHA1_80; with --echo the far end
//!                    sends each packet back as it came, SSRC kept, and the stream's
//!                    receiver authenticates and decrypts it with the same test key)
//!          [--check] (exit 1 unless the target is met: nothing lost, p99
//!                     send-interval error over the measured window <= --max-p99-ms)
//!          [--max-p99-ms MS] (default 2, the issue's target on a quiet machine)
//! ```
//!
//! Prints `key=value` lines: packets sent/received/lost, the inter-arrival error
//! percentiles (|arrival gap - 20 ms| per stream, from the kernel's receive timestamps), the
//! pacer's own lateness percentiles, how many pacers ran real-time, and CPU time of the
//! engine (pacer threads plus tokio workers) and of the receiver threads.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::AsRawFd;

use bytes::Bytes;
use nix::sys::socket::sockopt::{RcvBufForce, ReceiveTimestampns};
use nix::sys::socket::{
    ControlMessage, ControlMessageOwned, MsgFlags, MultiHeaders, SockaddrIn, recvmmsg, sendmmsg,
    setsockopt,
};
use nix::sys::time::TimeSpec;
use voice_otp_rtp::{
    Codec, EngineConfig, Latching, MediaEngine, PacerPriority, PayloadType, SlicedFrames,
    SrtpStream, SrtpSuite, StreamConfig, parse_rtp,
};

const BUCKET_US: u64 = 50;
const BUCKETS: usize = 2001; // 0..100 ms in 50 µs steps + overflow
/// The issue's target for the p99 send-interval error (`--check`), measured on a quiet
/// machine by `make rtp-capacity`. `make test` passes a looser `--max-p99-ms` that a busy
/// machine still meets: the gate checks behaviour (nothing lost), the benchmark checks speed.
const TARGET_P99: Duration = Duration::from_millis(2);
/// Receive buffer of each receiver socket, bytes (the kernel doubles it for overhead).
const RX_BUFFER: usize = 256 << 20;
/// Datagrams per `recvmmsg` in the receivers.
const BATCH: usize = 64;

struct Args {
    streams: usize,
    seconds: f64,
    warmup: f64,
    workers: usize,
    receivers: usize,
    ports: String,
    rx_poll_us: u64,
    pacer_priority: PacerPriority,
    check: bool,
    max_p99: Duration,
    echo: bool,
    srtp: bool,
}

/// The master key and salt of every `--srtp` stream, both directions (a load test, not a
/// secret: the echo sends our own packets back, so the far end's key is ours).
const LOAD_SRTP_KEY: [u8; voice_otp_rtp::SRTP_MASTER_LEN] = [0x5a; voice_otp_rtp::SRTP_MASTER_LEN];

fn parse_priority(v: &str) -> Option<PacerPriority> {
    match v.split_once(':') {
        None if v == "normal" => Some(PacerPriority::Normal),
        Some(("nice", n)) => n.parse().ok().map(PacerPriority::Nice),
        Some(("rt", n)) => n
            .parse()
            .ok()
            .filter(|n| (1..=99).contains(n))
            .map(PacerPriority::Realtime),
        _ => None,
    }
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        streams: 1000,
        seconds: 10.0,
        warmup: 2.0,
        workers: 1,
        receivers: 2,
        ports: "20000-39999".into(),
        rx_poll_us: 200,
        pacer_priority: PacerPriority::Realtime(10),
        check: false,
        max_p99: TARGET_P99,
        echo: false,
        srtp: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--check" {
            a.check = true;
            continue;
        }
        if flag == "--echo" {
            a.echo = true;
            continue;
        }
        if flag == "--srtp" {
            a.srtp = true;
            continue;
        }
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        let bad = || format!("bad value for {flag}: {v}");
        match flag.as_str() {
            "--streams" => a.streams = v.parse().map_err(|_| bad())?,
            "--seconds" => a.seconds = v.parse().map_err(|_| bad())?,
            "--warmup" => a.warmup = v.parse().map_err(|_| bad())?,
            "--workers" => a.workers = v.parse().map_err(|_| bad())?,
            "--receivers" => a.receivers = v.parse().map_err(|_| bad())?,
            "--ports" => a.ports = v,
            "--rx-poll-us" => a.rx_poll_us = v.parse().map_err(|_| bad())?,
            "--pacer-priority" => a.pacer_priority = parse_priority(&v).ok_or_else(bad)?,
            "--max-p99-ms" => {
                let ms: f64 = v.parse().map_err(|_| bad())?;
                if !(ms > 0.0 && ms <= 1000.0) {
                    return Err(bad());
                }
                a.max_p99 = Duration::from_secs_f64(ms / 1000.0);
            }
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    // Bounded: at most 10 minutes of load, at most 9,000 streams (fd limit of 2 per stream).
    if a.seconds <= 0.0
        || a.seconds > 600.0
        || a.streams == 0
        || a.streams > 9000
        || a.receivers == 0
        || a.rx_poll_us == 0
    {
        return Err(
            "need 0 < seconds <= 600, 0 < streams <= 9000, receivers > 0, rx-poll-us > 0".into(),
        );
    }
    Ok(a)
}

/// Per-receiver counts, merged at the end.
struct Counts {
    packets: u64,
    /// Packets sent back (`--echo`) and those the socket refused.
    echoed: u64,
    echo_dropped: u64,
    /// Per SSRC: (first seq, last seq, extended highest, received, last arrival).
    streams: HashMap<u32, StreamCount>,
    gaps: Vec<u64>,
}

struct StreamCount {
    /// Kernel receive timestamp of the last packet, ns.
    last_arrival: Option<u64>,
    last_seq: u16,
    received: u64,
    extended: i64,
    first: i64,
}

/// Counts packets: drains the socket with `recvmmsg`, then sleeps `poll`. A receiver blocked
/// in `recv` is woken by every packet, and on loopback that wake-up is paid inside the
/// *sender's* `sendto` (about a third of its cost in `perf`), which would be charged to the
/// engine although a real peer across the network costs the sender nothing. Arrival times are
/// the kernel's (`SO_TIMESTAMPNS`, taken when loopback delivered the datagram, i.e. during
/// the pacer's `send`), so neither the poll interval nor the receiver's own scheduling blurs
/// them.
fn receiver(
    socket: UdpSocket,
    measuring: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    poll: Duration,
    echo: Echo,
) -> Counts {
    let mut c = Counts {
        packets: 0,
        echoed: 0,
        echo_dropped: 0,
        streams: HashMap::with_capacity(8192),
        gaps: vec![0; BUCKETS],
    };
    setsockopt(socket.as_raw_fd(), ReceiveTimestampns, &true).expect("SO_TIMESTAMPNS");
    socket.set_nonblocking(true).unwrap();
    // One `recvmmsg` takes up to BATCH datagrams: the stand-in for the far end costs a
    // syscall per batch rather than per packet, leaving the 2 cores to the engine.
    let mut bufs = vec![[0u8; 1500]; BATCH];
    // With `()` as the address type nix hands the kernel a zero-sized name buffer, the kernel
    // writes back its real length, and the next call fails with EFAULT: take the address.
    let mut headers =
        MultiHeaders::<SockaddrIn>::preallocate(BATCH, Some(nix::cmsg_space!(TimeSpec)));
    let mut got: Vec<(usize, u64, Option<SockaddrIn>)> = Vec::with_capacity(BATCH);
    let mut out_headers = MultiHeaders::<SockaddrIn>::preallocate(BATCH, None);
    let fd = socket.as_raw_fd();
    while !stop.load(Ordering::Relaxed) {
        got.clear();
        {
            let iovs: Vec<[IoSliceMut<'_>; 1]> = bufs
                .iter_mut()
                .map(|b| [IoSliceMut::new(&mut b[..])])
                .collect();
            match recvmmsg(fd, &mut headers, iovs.iter(), MsgFlags::MSG_DONTWAIT, None) {
                Ok(results) => {
                    for r in results {
                        let at = r.cmsgs().find_map(|m| match m {
                            ControlMessageOwned::ScmTimestampns(ts) => {
                                Some(ts.tv_sec() as u64 * 1_000_000_000 + ts.tv_nsec() as u64)
                            }
                            _ => None,
                        });
                        got.push((
                            r.bytes,
                            at.expect("SO_TIMESTAMPNS on every datagram"),
                            r.address,
                        ));
                    }
                }
                Err(nix::errno::Errno::EAGAIN) => {}
                Err(e) => eprintln!("rtp-load: recvmmsg: {e}"),
            }
        }
        if got.is_empty() {
            thread::sleep(poll);
            continue;
        }
        for (buf, (n, at, _)) in bufs.iter().zip(&got) {
            c.count(&buf[..*n], *at, &measuring);
        }
        if echo != Echo::Off {
            echo_back(fd, &mut bufs, &got, &mut out_headers, &mut c, echo);
        }
    }
    c
}

/// What the far end sends back (`--echo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Echo {
    /// Nothing: a silent far end.
    Off,
    /// Each packet with its SSRC changed: the far end's own stream.
    NewSsrc,
    /// Each packet as it came (`--srtp`: an SRTP packet with its SSRC changed would not
    /// authenticate; the stream's receiver shares our test key instead).
    AsIs,
}

/// Sends every datagram of the batch back where it came from (with its SSRC changed for
/// [`Echo::NewSsrc`]), in one `sendmmsg` per batch.
fn echo_back(
    fd: std::os::fd::RawFd,
    bufs: &mut [[u8; 1500]],
    got: &[(usize, u64, Option<SockaddrIn>)],
    headers: &mut MultiHeaders<SockaddrIn>,
    c: &mut Counts,
    echo: Echo,
) {
    for (buf, (n, _, _)) in bufs.iter_mut().zip(got) {
        if *n >= 12 && echo == Echo::NewSsrc {
            for b in &mut buf[8..12] {
                *b ^= 0xa5;
            }
        }
    }
    let slices: Vec<[IoSlice<'_>; 1]> = bufs
        .iter()
        .zip(got)
        .map(|(b, (n, _, _))| [IoSlice::new(&b[..*n])])
        .collect();
    let addrs: Vec<Option<SockaddrIn>> = got.iter().map(|g| g.2).collect();
    let cmsgs: [ControlMessage<'_>; 0] = [];
    match sendmmsg(fd, headers, &slices, &addrs, cmsgs, MsgFlags::MSG_DONTWAIT) {
        Ok(sent) => {
            let k = sent.count() as u64;
            c.echoed += k;
            c.echo_dropped += got.len() as u64 - k;
        }
        Err(_) => c.echo_dropped += got.len() as u64,
    }
}

impl Counts {
    fn count(&mut self, datagram: &[u8], now_ns: u64, measuring: &AtomicBool) {
        let c = self;
        let Ok(v) = parse_rtp(datagram) else {
            return;
        };
        c.packets += 1;
        let s = c.streams.entry(v.ssrc.0).or_insert(StreamCount {
            last_arrival: None,
            last_seq: v.seq.0.wrapping_sub(1),
            received: 0,
            extended: i64::from(v.seq.0) - 1,
            first: i64::from(v.seq.0),
        });
        let delta = v.seq.0.wrapping_sub(s.last_seq) as i16;
        s.extended += i64::from(delta);
        s.last_seq = v.seq.0;
        s.received += 1;
        if let Some(prev) = s.last_arrival
            && delta == 1
            && measuring.load(Ordering::Relaxed)
        {
            let err_us = now_ns.saturating_sub(prev).abs_diff(20_000_000) / 1_000;
            let i = ((err_us / BUCKET_US) as usize).min(BUCKETS - 1);
            c.gaps[i] += 1;
        }
        s.last_arrival = Some(now_ns);
    }
}

fn percentile(h: &[u64], p: f64) -> Duration {
    let total: u64 = h.iter().sum();
    if total == 0 {
        return Duration::ZERO;
    }
    let rank = ((total as f64) * p).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (i, c) in h.iter().enumerate() {
        seen += c;
        if seen >= rank {
            return Duration::from_micros((i as u64 + 1) * BUCKET_US);
        }
    }
    Duration::from_micros(BUCKETS as u64 * BUCKET_US)
}

/// CPU seconds (user + system) of this process's threads, split by thread name prefix.
fn cpu_by_thread() -> HashMap<String, f64> {
    let tick = 100.0; // USER_HZ on Linux
    let mut out = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for t in dir.flatten() {
        let p = t.path();
        let name = std::fs::read_to_string(p.join("comm"))
            .unwrap_or_default()
            .trim()
            .to_string();
        let stat = std::fs::read_to_string(p.join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
        let Some(rest) = stat.rsplit_once(") ").map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let (Some(u), Some(s)) = (f.get(11), f.get(12)) else {
            continue;
        };
        let secs = (u.parse::<f64>().unwrap_or(0.0) + s.parse::<f64>().unwrap_or(0.0)) / tick;
        let key = if name.starts_with("rtp-pacer") {
            "pacer"
        } else if name.starts_with("load-rx") {
            "receiver"
        } else if name.starts_with("tokio") {
            "tokio"
        } else {
            "other"
        };
        *out.entry(key.to_string()).or_insert(0.0) += secs;
    }
    out
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("rtp-load: {e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("tokio-rt")
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(run(args));
}

async fn run(args: Args) {
    let mut config = EngineConfig::new(args.ports.parse().expect("--ports LOW-HIGH"));
    config.bind_ip = "127.0.0.1".parse().unwrap();
    config.workers = args.workers;
    config.pacer_priority = args.pacer_priority;
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let (receivers, targets) = start_receivers(&args, &measuring, &stop);

    let engine = MediaEngine::start(config).unwrap();
    let t_open = Instant::now();
    let streams = open_streams(&engine, &args, &targets).await;
    let open_time = t_open.elapsed();
    eprintln!(
        "rtp-load: {} streams open in {:.2} s",
        args.streams,
        open_time.as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs_f64(args.warmup)).await;

    let cpu0 = cpu_by_thread();
    let pacing0 = engine.pacing_stats();
    let snapshot0 = engine.pacing_snapshot();
    let t0 = Instant::now();
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs_f64(args.seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let wall = t0.elapsed().as_secs_f64();
    let cpu1 = cpu_by_thread();
    let pacing = engine.pacing_stats();
    let window = engine.pacing_snapshot().since(&snapshot0);
    let scheduling = engine.pacer_scheduling();

    eprintln!("rtp-load: measured {wall:.1} s, closing");
    let engine_side = close_streams(streams).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let wire = join_receivers(receivers);
    let cpu = |k: &str| cpu1.get(k).copied().unwrap_or(0.0) - cpu0.get(k).copied().unwrap_or(0.0);
    print_setup(&args, scheduling, open_time, wall);
    print_counts(&args, &engine_side, &wire);
    print_timing(&wire.gaps, pacing, pacing0.lateness.samples, &window);
    let engine_cpu = cpu("pacer") + cpu("tokio");
    let per_k = |c: f64| c / wall / (args.streams as f64 / 1000.0) * 100.0;
    println!("cpu_engine_percent={:.1}", engine_cpu / wall * 100.0);
    println!("cpu_pacer_percent={:.1}", cpu("pacer") / wall * 100.0);
    println!("cpu_tokio_percent={:.1}", cpu("tokio") / wall * 100.0);
    println!("cpu_receiver_percent={:.1}", cpu("receiver") / wall * 100.0);
    println!(
        "cpu_engine_percent_per_1000_streams={:.1}",
        per_k(engine_cpu)
    );
    if args.check {
        check(&args, &engine_side, &wire, window.send_interval_error.p99);
    }
}

/// The counting receivers (the far end), one thread each, and their addresses.
fn start_receivers(
    args: &Args,
    measuring: &Arc<AtomicBool>,
    stop: &Arc<AtomicBool>,
) -> (Vec<thread::JoinHandle<Counts>>, Vec<SocketAddr>) {
    let mut receivers = Vec::new();
    let mut targets: Vec<SocketAddr> = Vec::new();
    for i in 0..args.receivers {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
        // Seconds of all streams' packets, so a receiver that waits for the CPU (behind
        // real-time pacers, or other programs) loses nothing: root may exceed
        // `net.core.rmem_max` (often 4 MiB, ~25 ms of 5,000 streams) with SO_RCVBUFFORCE.
        if setsockopt(s.as_raw_fd(), RcvBufForce, &RX_BUFFER).is_err() {
            let _ = s.set_recv_buffer_size(RX_BUFFER);
        }
        s.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
            .unwrap();
        let s: UdpSocket = s.into();
        targets.push(s.local_addr().unwrap());
        let (m, st) = (Arc::clone(measuring), Arc::clone(stop));
        let poll = Duration::from_micros(args.rx_poll_us);
        let echo = match (args.echo, args.srtp) {
            (false, _) => Echo::Off,
            (true, false) => Echo::NewSsrc,
            (true, true) => Echo::AsIs,
        };
        // The receivers stand in for the far end, which has CPUs of its own; they run at the
        // default priority whatever the pacers' (with real-time pacers they only get the CPU
        // the engine leaves, and their kernel timestamps keep the figures exact).
        receivers.push(
            thread::Builder::new()
                .name(format!("load-rx-{i}"))
                .spawn(move || receiver(s, m, st, poll, echo))
                .unwrap(),
        );
    }
    (receivers, targets)
}

type OpenStream = (
    voice_otp_rtp::StreamHandle,
    tokio::sync::mpsc::Receiver<voice_otp_rtp::StreamEvent>,
);

/// Opens `--streams` streams spread over the receivers, each playing the same minute of
/// A-law "audio" (zero-copy frames).
async fn open_streams(
    engine: &MediaEngine,
    args: &Args,
    targets: &[SocketAddr],
) -> Vec<OpenStream> {
    let audio = Bytes::from(
        (0..480_000u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let mut streams = Vec::with_capacity(args.streams);
    for i in 0..args.streams {
        let local = engine.reserve().expect("ports for every stream");
        let (h, ev) = engine
            .open_stream(StreamConfig {
                local,
                remote: targets[i % targets.len()],
                remote_rtcp: None,
                codec: Codec::Pcma,
                payload_type: PayloadType::PCMA,
                telephone_event: PayloadType::new(101),
                seed: i as u64,
                latching: Latching::Strict,
                srtp: args.srtp.then(|| {
                    let suite = SrtpSuite::Aes128CmHmacSha1_80;
                    SrtpStream::new(suite, &LOAD_SRTP_KEY, &LOAD_SRTP_KEY).expect("SRTP key")
                }),
            })
            .await
            .expect("open stream");
        h.play_source(
            voice_otp_rtp::PlayId(0),
            Box::new(SlicedFrames::new(audio.clone(), 160)),
        )
        .unwrap();
        streams.push((h, ev));
    }
    streams
}

/// What the engine's streams counted, summed at close.
#[derive(Default)]
struct EngineSide {
    sent: u64,
    send_errors: u64,
    /// Of the echoed packets (`--echo`).
    received: u64,
    lost: i64,
    rejected: u64,
    jitter_max: Duration,
}

async fn close_streams(streams: Vec<OpenStream>) -> EngineSide {
    let mut e = EngineSide::default();
    for (h, _ev) in streams {
        let st = h.close().await;
        e.sent += st.sent.packets;
        e.send_errors += st.send_errors;
        e.received += st.received.packets;
        e.lost += st.received.lost;
        e.rejected +=
            st.received.rejected_source + st.received.rejected_payload_type + st.received.malformed;
        e.jitter_max = e.jitter_max.max(st.received.jitter);
    }
    e
}

/// What the receivers counted on the wire, merged.
struct WireSide {
    received: u64,
    /// Sequence gaps over every stream.
    seq_gaps: i64,
    streams_seen: usize,
    echoed: u64,
    echo_dropped: u64,
    gaps: Vec<u64>,
}

fn join_receivers(receivers: Vec<thread::JoinHandle<Counts>>) -> WireSide {
    let mut w = WireSide {
        received: 0,
        seq_gaps: 0,
        streams_seen: 0,
        echoed: 0,
        echo_dropped: 0,
        gaps: vec![0u64; BUCKETS],
    };
    for r in receivers {
        let c = r.join().unwrap();
        w.received += c.packets;
        w.echoed += c.echoed;
        w.echo_dropped += c.echo_dropped;
        for s in c.streams.values() {
            w.seq_gaps += (s.extended - s.first + 1) - s.received as i64;
        }
        w.streams_seen += c.streams.len();
        for (g, x) in w.gaps.iter_mut().zip(c.gaps) {
            *g += x;
        }
    }
    w
}

fn print_setup(
    args: &Args,
    scheduling: voice_otp_rtp::PacerScheduling,
    open_time: Duration,
    wall: f64,
) {
    println!("streams={}", args.streams);
    println!("workers={}", args.workers);
    println!("rx_poll_us={}", args.rx_poll_us);
    println!(
        "pacer_priority={}",
        match args.pacer_priority {
            PacerPriority::Normal => "normal".to_string(),
            PacerPriority::Nice(n) => format!("nice:{n}"),
            PacerPriority::Realtime(n) => format!("rt:{n}"),
        }
    );
    println!("pacers_realtime={}", scheduling.realtime);
    println!("pacer_demotions={}", scheduling.demotions);
    println!("open_seconds={:.3}", open_time.as_secs_f64());
    println!("measured_seconds={wall:.3}");
}

fn print_counts(args: &Args, e: &EngineSide, w: &WireSide) {
    println!("streams_seen={}", w.streams_seen);
    println!("packets_sent={}", e.sent);
    println!("packets_received={}", w.received);
    println!("packets_lost={}", e.sent as i64 - w.received as i64);
    println!("seq_gaps={}", w.seq_gaps);
    println!("send_errors={}", e.send_errors);
    println!("echo={}", args.echo);
    println!("srtp={}", args.srtp);
    println!("echo_sent={}", w.echoed);
    println!("echo_dropped={}", w.echo_dropped);
    println!("engine_received={}", e.received);
    println!("engine_receive_lost={}", e.lost);
    println!("engine_receive_rejected={}", e.rejected);
    println!("engine_receive_jitter_max_us={}", e.jitter_max.as_micros());
}

fn print_timing(
    gaps: &[u64],
    pacing: voice_otp_rtp::PacingStats,
    fired_before: u64,
    window: &voice_otp_rtp::PacingStats,
) {
    println!("interarrival_samples={}", gaps.iter().sum::<u64>());
    println!(
        "interarrival_error_p50_us={}",
        percentile(gaps, 0.5).as_micros()
    );
    println!(
        "interarrival_error_p99_us={}",
        percentile(gaps, 0.99).as_micros()
    );
    println!(
        "interarrival_error_p999_us={}",
        percentile(gaps, 0.999).as_micros()
    );
    // Percentiles are since engine start (warm-up included); counts are for the window.
    println!("pacer_fired={}", pacing.lateness.samples - fired_before);
    println!("pacer_lateness_p50_us={}", pacing.lateness.p50.as_micros());
    println!("pacer_lateness_p99_us={}", pacing.lateness.p99.as_micros());
    println!("pacer_lateness_max_us={}", pacing.lateness.max.as_micros());
    let si = pacing.send_interval_error;
    println!("send_interval_error_p50_us={}", si.p50.as_micros());
    println!("send_interval_error_p99_us={}", si.p99.as_micros());
    println!("send_interval_error_p999_us={}", si.p999.as_micros());
    println!("send_interval_error_max_us={}", si.max.as_micros());
    // The same figures for the measured window only, without the streams' start-up.
    let w = window.send_interval_error;
    println!("window_send_interval_error_p50_us={}", w.p50.as_micros());
    println!("window_send_interval_error_p99_us={}", w.p99.as_micros());
    println!("window_send_interval_error_p999_us={}", w.p999.as_micros());
    println!("window_send_interval_error_max_us={}", w.max.as_micros());
    println!(
        "window_pacer_lateness_p99_us={}",
        window.lateness.p99.as_micros()
    );
}

/// `--check`: nothing lost, and the p99 send-interval error within --max-p99-ms (default:
/// the issue's 2 ms target) over the measured window, i.e. with every stream running.
/// Exits 1 otherwise.
fn check(args: &Args, e: &EngineSide, w: &WireSide, p99: Duration) {
    let packets_lost = e.sent as i64 - w.received as i64;
    let met = packets_lost == 0 && w.seq_gaps == 0 && e.send_errors == 0 && p99 <= args.max_p99;
    println!("target_met={met}");
    if !met {
        eprintln!(
            "rtp-load: target not met: lost {packets_lost}, sequence gaps {}, send errors {}, window p99 send-interval error {} us (target <= {} us)",
            w.seq_gaps,
            e.send_errors,
            p99.as_micros(),
            args.max_p99.as_micros()
        );
        std::process::exit(1);
    }
}
