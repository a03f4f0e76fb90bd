//! Cost of accepting an instruction: `POST /voiceapi/v2/OTP` over loopback HTTP, from the
//! request leaving the client to `CallExecutor::execute` being called for it (validation,
//! the SQLite insert with `synchronous = FULL`, task spawn), and the HTTP round trip.
//! The executor ends each call at once, so the outcome + outbox write is included in the
//! background load.
#![allow(missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use tokio::sync::mpsc;
use voice_otp_call::{CallExecutor, CallOutcome, CallSpec, EndCause, ProgressFn, ResultCode};
use voice_otp_daemon::{Config, Daemon};

/// Reports the instant each call reaches the executor, and ends it at once.
struct Stamp(mpsc::UnboundedSender<Instant>);

impl CallExecutor for Stamp {
    fn execute(
        &self,
        _spec: CallSpec,
        _progress: ProgressFn,
        _shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = CallOutcome> + Send + 'static>> {
        let _ = self.0.send(Instant::now());
        Box::pin(async {
            let now = SystemTime::now();
            CallOutcome {
                result: ResultCode::Finished,
                cause: EndCause::Completed,
                started_on: now,
                answered_on: Some(now),
                ended_on: now,
                code_read_count: 1,
                replays: 0,
                dtmf: voice_otp_call::Keys::new(),
                input: None,
                keypress_check: voice_otp_call::KeypressCheck::NotRequired,
                sip_code: Some(200),
                sip_reason: Some("OK".into()),
            }
        })
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let defaults = dir.path().join("defaults/spelling/en-GB");
    std::fs::create_dir_all(&defaults).unwrap();
    let silence = voice_otp_media::wav::encode_wav(&[0i16; 80]);
    for ch in ('0'..='9').chain('a'..='z') {
        std::fs::write(defaults.join(format!("{ch}.wav")), &silence).unwrap();
    }
    let mut config = Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.http.tokens = vec!["bench-token-0123456".into()];
    config.guard.limits = generous_limits();
    config.store.path = dir.path().join("bench.db");
    config.audio.dir = dir.path().join("audio");
    config.audio.defaults = dir.path().join("defaults");
    let (tx, rx) = mpsc::unbounded_channel();
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let daemon = rt
        .block_on(Daemon::start(config, Arc::new(Stamp(tx))))
        .unwrap();
    let url = format!("http://{}/voiceapi/v2/OTP", daemon.local_addr());
    let client = reqwest::Client::new();
    let body = serde_json::json!({
        "callee": "+31612345678", "caller": "+31201234567", "code": "7A3519",
        "intro-prompt": "Hello", "intro-prompt-type": "TTS", "max-replays": 2,
    })
    .to_string();

    let to_execute = Arc::new(Mutex::new(Vec::new()));
    let round_trip = Arc::new(Mutex::new(Vec::new()));
    c.bench_function("post_otp_to_execute", |b| {
        b.iter_custom(|iters| {
            let (client, url, body, rx) = (client.clone(), url.clone(), body.clone(), rx.clone());
            let (to_execute, round_trip) = (to_execute.clone(), round_trip.clone());
            rt.block_on(async move {
                let mut total = Duration::ZERO;
                let mut rx = rx.lock().await;
                for _ in 0..iters {
                    let t0 = Instant::now();
                    let resp = client
                        .post(&url)
                        .header("X-CM-PRODUCTTOKEN", "bench-token-0123456")
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 200);
                    let _ = resp.bytes().await;
                    let rt_done = t0.elapsed();
                    let executed = rx.recv().await.unwrap();
                    let d = executed.duration_since(t0);
                    to_execute.lock().unwrap().push(d);
                    round_trip.lock().unwrap().push(rt_done);
                    total += d;
                }
                total
            })
        })
    });
    for (name, samples) in [
        ("request -> execute", &to_execute),
        ("HTTP round trip", &round_trip),
    ] {
        let mut v = samples.lock().unwrap().clone();
        if v.is_empty() {
            continue;
        }
        v.sort();
        println!(
            "{name}: n={} p50={:?} p99={:?} max={:?}",
            v.len(),
            percentile(&v, 0.50),
            percentile(&v, 0.99),
            v[v.len() - 1]
        );
    }
    rt.block_on(daemon.shutdown()).unwrap();
}

/// Holds every call until shutdown, like a long call would.
struct Hold;

impl CallExecutor for Hold {
    fn execute(
        &self,
        _spec: CallSpec,
        _progress: ProgressFn,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = CallOutcome> + Send + 'static>> {
        Box::pin(async move {
            let now = SystemTime::now();
            let _ = shutdown.wait_for(|s| *s).await;
            CallOutcome {
                result: ResultCode::Finished,
                cause: EndCause::Completed,
                started_on: now,
                answered_on: Some(now),
                ended_on: SystemTime::now(),
                code_read_count: 1,
                replays: 0,
                dtmf: voice_otp_call::Keys::new(),
                input: None,
                keypress_check: voice_otp_call::KeypressCheck::NotRequired,
                sip_code: Some(200),
                sip_reason: Some("OK".into()),
            }
        })
    }
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Daemon-side memory of a live call (task, spec, live-state entry; not the runner's SIP
/// and RTP state): RSS growth over 2,000 calls held open, printed with the latency figures.
fn live_call_memory(_c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.http.tokens = vec!["bench-token-0123456".into()];
    config.guard.limits = generous_limits();
    config.store.path = dir.path().join("bench.db");
    config.audio.dir = dir.path().join("audio");
    config.audio.defaults = dir.path().join("defaults");
    config.calls.max_concurrent = 10_000;
    let daemon = rt.block_on(Daemon::start(config, Arc::new(Hold))).unwrap();
    let url = format!("http://{}/voiceapi/v2/OTP", daemon.local_addr());
    let client = reqwest::Client::new();
    let post = |first: u32, n: u32| {
        let callees: Vec<String> = (first..first + n)
            .map(|i| format!("+316123{i:05}"))
            .collect();
        let body = serde_json::json!({
            "callees": callees, "caller": "+31201234567", "code": "7A3519",
            "code-type": "TTS", "max-replays": 2,
        });
        let (client, url) = (client.clone(), url.clone());
        async move {
            let resp = client
                .post(&url)
                .header("X-CM-PRODUCTTOKEN", "bench-token-0123456")
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
        }
    };
    // Warm up allocator pools and the store with 200 calls first.
    rt.block_on(post(0, 200));
    std::thread::sleep(Duration::from_millis(300));
    let before = rss_bytes();
    let t0 = Instant::now();
    for batch in 0..10 {
        rt.block_on(post(1000 + batch * 200, 200));
    }
    let accept_time = t0.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    let after = rss_bytes();
    println!(
        "live calls: 2000 accepted in {:?} ({:.0} calls/s through the API in 200-callee requests); \
         daemon-side RSS growth {} KiB = {:.1} KiB per live call",
        accept_time,
        2000.0 / accept_time.as_secs_f64(),
        (after.saturating_sub(before)) / 1024,
        after.saturating_sub(before) as f64 / 1024.0 / 2000.0
    );
    rt.block_on(daemon.shutdown()).unwrap();
}

criterion_group!(benches, bench, live_call_memory);
criterion_main!(benches);

/// The bench measures intake, not the velocity limits.
fn generous_limits() -> voice_otp_daemon::config::VelocityLimits {
    voice_otp_daemon::config::VelocityLimits {
        callee_per_10m: u32::MAX,
        callee_per_24h: u32::MAX,
        calls_per_second: u32::MAX,
        max_queued_calls: u32::MAX,
        max_callees_per_request: u32::MAX,
    }
}
