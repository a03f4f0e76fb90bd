//! Shared test harness: a daemon on 127.0.0.1:0 with a scripted executor, an HTTP client,
//! and a real callback receiver.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use voice_otp_call::{
    CallExecutor, CallOutcome, CallSpec, EndCause, LiveState, ProgressFn, ResultCode,
};
use voice_otp_daemon::wiring::build_executor;
use voice_otp_daemon::{Config, Daemon, Metrics};

pub const TOKEN: &str = "test-token-0123456";

/// How a scripted call behaves.
#[derive(Clone, Debug)]
pub struct Script {
    pub result: ResultCode,
    pub answered: bool,
    pub sip: Option<(u16, &'static str)>,
    pub readings: u32,
    pub replays: u32,
    pub dtmf: &'static str,
    /// What a Request DTMF call collected.
    pub input: Option<voice_otp_call::CollectedInput>,
    /// How the keypress check went.
    pub keypress_check: voice_otp_call::KeypressCheck,
    /// Stay live this long (or until shutdown, whichever first).
    pub hold: Duration,
    /// Ring this long before answering (reported through `progress`).
    pub answer_after: Duration,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            result: ResultCode::Finished,
            answered: true,
            sip: Some((200, "OK")),
            readings: 2,
            replays: 1,
            dtmf: "1",
            input: None,
            keypress_check: voice_otp_call::KeypressCheck::NotRequired,
            hold: Duration::ZERO,
            answer_after: Duration::ZERO,
        }
    }
}

#[derive(Default)]
pub struct Counters {
    pub running: AtomicUsize,
    pub max_running: AtomicUsize,
    pub shutdowns_seen: AtomicUsize,
}

type ScriptFn = Box<dyn Fn(&CallSpec) -> Script + Send + Sync>;

/// A test executor: plays no audio, returns the scripted outcome. Lets tests exercise the
/// API, the store and the callbacks without SIP (the real runner is tested end to end
/// against SIPp at the workspace root).
pub struct ScriptedExecutor {
    script: ScriptFn,
    pub seen: Mutex<Vec<CallSpec>>,
    pub counters: Arc<Counters>,
}

impl ScriptedExecutor {
    pub fn new(script: impl Fn(&CallSpec) -> Script + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(ScriptedExecutor {
            script: Box::new(script),
            seen: Mutex::new(Vec::new()),
            counters: Arc::new(Counters::default()),
        })
    }

    pub fn finished() -> Arc<Self> {
        ScriptedExecutor::new(|_| Script::default())
    }

    pub fn specs(&self) -> Vec<CallSpec> {
        self.seen.lock().unwrap().clone()
    }
}

impl CallExecutor for ScriptedExecutor {
    fn execute(
        &self,
        spec: CallSpec,
        progress: ProgressFn,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = CallOutcome> + Send + 'static>> {
        let script = (self.script)(&spec);
        self.seen.lock().unwrap().push(spec);
        let counters = Arc::clone(&self.counters);
        let now = counters.running.fetch_add(1, Ordering::SeqCst) + 1;
        counters.max_running.fetch_max(now, Ordering::SeqCst);
        Box::pin(async move {
            let started = SystemTime::now();
            progress(LiveState::Dialling);
            progress(LiveState::Ringing);
            if script.answered {
                tokio::time::sleep(script.answer_after).await;
                progress(LiveState::Answered);
            }
            if !script.hold.is_zero() {
                tokio::select! {
                    _ = tokio::time::sleep(script.hold) => {}
                    _ = shutdown.wait_for(|s| *s) => {
                        counters.shutdowns_seen.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
            counters.running.fetch_sub(1, Ordering::SeqCst);
            let answered_on = script
                .answered
                .then(|| started + script.answer_after.max(Duration::from_millis(1500)));
            CallOutcome {
                result: script.result,
                cause: EndCause::Completed,
                started_on: started,
                answered_on,
                ended_on: started + Duration::from_millis(13_840),
                code_read_count: script.readings,
                replays: script.replays,
                dtmf: script.dtmf.parse().expect("a script presses DTMF keys"),
                input: script.input,
                keypress_check: script.keypress_check,
                sip_code: script.sip.map(|s| s.0),
                sip_reason: script.sip.map(|s| s.1.to_owned()),
            }
        })
    }
}

/// A temp dir with store, user audio and a minimal shipped-defaults tree.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let defaults = dir.path().join("defaults");
        let silence = voice_otp_media::wav::encode_wav(&[0i16; 400]);
        for lang in ["en-GB", "nl-NL"] {
            let set = defaults.join("spelling").join(lang);
            std::fs::create_dir_all(&set).unwrap();
            for c in ('0'..='9').chain('a'..='z') {
                std::fs::write(set.join(format!("{c}.wav")), &silence).unwrap();
            }
        }
        let prompts = defaults.join("prompts").join("en-GB");
        std::fs::create_dir_all(&prompts).unwrap();
        std::fs::write(prompts.join("intro.wav"), &silence).unwrap();
        Env { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("store").join("voice-otp.db")
    }

    pub fn config(&self) -> Config {
        let mut c = Config::default();
        c.http.listen = "127.0.0.1:0".parse().unwrap();
        c.http.tokens = vec![TOKEN.to_owned(), "second-token-abcdef".to_owned()];
        c.store.path = self.db();
        c.audio.dir = self.dir.path().join("audio");
        c.audio.defaults = self.dir.path().join("defaults");
        c.callbacks.initial_backoff = Duration::from_millis(100);
        c.callbacks.max_backoff = Duration::from_millis(400);
        c.callbacks.timeout = Duration::from_secs(2);
        // The tests' callback receivers listen on loopback.
        c.callbacks.allow_private_networks = true;
        // Tests call the same numbers again and again; the limits have their own tests.
        c.guard.limits = generous_limits();
        c
    }
}

/// Velocity limits no test reaches by accident.
pub fn generous_limits() -> voice_otp_daemon::config::VelocityLimits {
    voice_otp_daemon::config::VelocityLimits {
        callee_per_10m: 1_000_000,
        callee_per_24h: 1_000_000,
        calls_per_second: 1_000_000,
        max_queued_calls: 1_000_000,
        max_callees_per_request: 1_000_000,
    }
}

/// A daemon over the real engine (`wiring::build_executor`: SIP endpoint, RTP media engine,
/// renderer), its metrics watching that engine.
pub async fn start_with_real_engine(config: Config) -> Daemon {
    let metrics = Metrics::new();
    let executor = build_executor(&config, &metrics)
        .await
        .expect("engine builds");
    Daemon::start_with_metrics(config, executor, metrics)
        .await
        .unwrap()
}

/// The value of the sample line named exactly `series` (name and labels) in a `/metrics`
/// text.
pub fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
        .parse()
        .unwrap_or_else(|_| panic!("{series} is not a number in\n{text}"))
}

pub struct TestDaemon {
    pub daemon: Daemon,
    pub base: String,
    pub client: reqwest::Client,
}

impl TestDaemon {
    pub async fn start(config: Config, executor: Arc<dyn CallExecutor>) -> TestDaemon {
        let daemon = Daemon::start(config, executor).await.unwrap();
        let base = format!("http://{}", daemon.local_addr());
        TestDaemon {
            daemon,
            base,
            client: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// POSTs JSON with the product token; returns status and JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let resp = self
            .client
            .post(self.url(path))
            .header("X-CM-PRODUCTTOKEN", TOKEN)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn otp(&self, body: &Value) -> (u16, Value) {
        self.post("/voiceapi/v2/OTP", body).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let resp = self
            .client
            .get(self.url(path))
            .header("X-CM-PRODUCTTOKEN", TOKEN)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Polls `GET /v1/calls/{id}` until the call has ended.
    pub async fn wait_ended(&self, call_id: &str) -> Value {
        // Generous: a scripted call ends in milliseconds, but a loaded machine may be slow.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, body) = self.get(&format!("/v1/calls/{call_id}")).await;
            if status == 200 && body["state"] == "ended" {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "call {call_id} did not end: {body}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A child process (a real `voice-otp serve`) killed when the test ends, also when it
/// fails.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A minimal valid OTP request.
pub fn otp_body() -> Value {
    json!({
        "callee": "+31612345678",
        "caller": "+31201234567",
        "code": "4829",
    })
}

#[path = "../../../../../tests/support/callback_receiver.rs"]
mod callback_receiver;
#[allow(unused_imports)] // not every test binary uses it
pub use callback_receiver::Receiver;

/// A config environment (`VOICE_OTP_*` variables) from literal pairs.
pub fn env(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The shipped `voice-otp.example.toml`, parsed, once it is checked to hold `line` (a key
/// written with its default, as the example documents every key).
pub fn example_config_with(line: &str) -> voice_otp_daemon::Config {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../voice-otp.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.lines().any(|l| l.trim() == line),
        "the example sets {line}"
    );
    voice_otp_daemon::Config::from_sources(Some(&text), &std::collections::BTreeMap::new()).unwrap()
}
