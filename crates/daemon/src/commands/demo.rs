//! `voice-otp demo [--code C] [--lang L] [--press DIGITS] [--out heard.wav]`: one real OTP
//! call over loopback SIP/RTP to the built-in phone ([`voice_otp_phone`]).
//!
//! Everything runs in this process on 127.0.0.1 with ephemeral ports: the daemon (HTTP API,
//! a temporary SQLite store, the real call engine whose trunk is the phone), a callback
//! receiver, and the phone. The instruction goes through the HTTP API like any client's:
//! intro, code prompt, the code, and `max-replays` 1 with the replay prompt, so a `1`
//! pressed by the phone (in the replay wait, see the phone's docs) reads the code again.
//! The finished event the receiver gets is printed to stdout; what the phone heard is
//! written to `--out`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use voice_otp_media::{AudioRoot, DefaultPrompt, wav};
use voice_otp_phone::{Phone, PhoneConfig, PhoneReport};

use super::CommandError;
use crate::config::Config;
use crate::daemon::Daemon;
use crate::metrics::Metrics;
use crate::wiring::build_executor;

/// The whole demo must be over within this.
const OVERALL: Duration = Duration::from_secs(60);
/// Numbers the demo call uses (valid E.164; nothing leaves the machine).
const CALLEE: &str = "+31612345678";
const CALLER: &str = "+31201234567";

/// Command-line arguments of `voice-otp demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The code read to the phone, 1 to 64 characters of [0-9A-Za-z].
    #[arg(long, default_value = "123456")]
    pub code: String,
    /// Language (locale) of the spelling set and prompts.
    #[arg(long, default_value = "en-GB")]
    pub lang: String,
    /// Keys the phone presses (RFC 4733) once the first reading has been heard; empty:
    /// none.
    #[arg(long, default_value = "1")]
    pub press: String,
    /// Where to write what the phone heard (8 kHz mono 16-bit WAV).
    #[arg(long, default_value = "data/demo-heard.wav")]
    pub out: PathBuf,
}

/// The shipped audio: `./audio` (the repo root, where `make demo` runs), else the one next
/// to the sources this binary was built from.
fn shipped_audio() -> PathBuf {
    let here = PathBuf::from("audio");
    if here.join("spelling").is_dir() {
        here
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../audio")
    }
}

/// The store path (`/prompts/en-GB/intro.wav`) of a shipped prompt for `lang`.
fn prompt_path(root: &AudioRoot, lang: &str, kind: DefaultPrompt) -> Result<String, CommandError> {
    let file = root.default_prompt(lang, kind)?;
    let rel = file
        .strip_prefix(root.defaults_dir())
        .map_err(|_| format!("prompt {} is outside the audio dir", file.display()))?;
    Ok(format!("/{}", rel.to_string_lossy()))
}

/// Runs `voice-otp demo`.
pub fn run(args: Args) -> Result<(), CommandError> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let work = std::env::temp_dir().join(format!("voice-otp-demo-{}", uuid::Uuid::new_v4()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        match tokio::time::timeout(OVERALL, demo(&args, &work)).await {
            Ok(r) => r,
            Err(_) => Err(format!("demo: the call was not over within {OVERALL:?}").into()),
        }
    });
    // Dropping the runtime stops the daemon's tasks before the store goes away.
    drop(runtime);
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// The daemon's configuration for the demo: everything on 127.0.0.1 with ephemeral ports,
/// the phone as the trunk, the store and audio store under `work`.
fn demo_config(phone: SocketAddr, token: &str, audio: &Path, work: &Path) -> Config {
    let mut config = Config::default();
    config.http.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.http.tokens = vec![token.to_owned()];
    // The demo's callback receiver is on 127.0.0.1.
    config.callbacks.allow_private_networks = true;
    config.sip.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.sip.trunk = phone.to_string();
    config.store.path = work.join("voice-otp.db");
    config.audio.dir = work.join("audio");
    config.audio.defaults = audio.to_owned();
    // The shipped (synthesised) sets only, the same on every machine whether or not `make`
    // imported the recorded ones: its test compares what the phone heard with them.
    config.audio.recorded = work.join("no-recorded-sets");
    // One call on an idle machine needs no real-time pacers, and a user without
    // CAP_SYS_NICE would otherwise get a warning about them in the demo's output.
    config.rtp.realtime_priority = 0;
    config
}

/// The OTP instruction of the demo: the shipped prompts, one replay, the callback to
/// `callbacks`.
fn instruction(args: &Args, audio: &Path, callbacks: SocketAddr) -> Result<Value, CommandError> {
    let root = AudioRoot::new(None, audio.to_owned());
    let prompt = |kind| prompt_path(&root, &args.lang, kind);
    Ok(json!({
        "instruction-id": "voice-otp-demo",
        "callee": CALLEE,
        "caller": CALLER,
        "code": args.code,
        "voice": {"language": args.lang},
        "intro-prompt": prompt(DefaultPrompt::Intro)?,
        "intro-prompt-type": "File",
        "code-prompt": prompt(DefaultPrompt::Code)?,
        "code-prompt-type": "File",
        "replay-prompt": prompt(DefaultPrompt::Replay)?,
        "replay-prompt-type": "File",
        "outro-prompt": prompt(DefaultPrompt::Outro)?,
        "outro-prompt-type": "File",
        "max-replays": 1,
        "callback-url": format!("http://{callbacks}/demo/finished"),
    }))
}

async fn demo(args: &Args, work: &Path) -> Result<(), CommandError> {
    let started = Instant::now();
    let phone = Phone::bind(PhoneConfig {
        press: args.press.clone(),
        max_call: OVERALL,
        ..PhoneConfig::default()
    })
    .await?;
    let phone_addr = phone.sip_addr()?;
    let phone = tokio::spawn(phone.run());

    let (events_tx, mut events) = mpsc::channel::<Bytes>(4);
    let callbacks = start_receiver(events_tx).await?;

    let token = format!("demo-{}", uuid::Uuid::new_v4().simple());
    let audio = shipped_audio();
    let config = demo_config(phone_addr, &token, &audio, work);
    let instruction = instruction(args, &audio, callbacks)?;

    let metrics = Metrics::new();
    let executor = build_executor(&config, &metrics).await?;
    let daemon = Daemon::start_with_metrics(config, executor, metrics).await?;
    let api = daemon.local_addr();

    let response = reqwest::Client::new()
        .post(format!("http://{api}/voiceapi/v2/OTP"))
        .header("X-CM-PRODUCTTOKEN", &token)
        .json(&instruction)
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        daemon.shutdown().await?;
        return Err(format!("demo: the API refused the instruction ({status}): {body}").into());
    }
    let call_id = body["call-id"].as_str().unwrap_or("?").to_owned();
    eprintln!("demo: call {call_id} placed to the built-in phone at {phone_addr}");

    let event = events
        .recv()
        .await
        .ok_or("demo: the callback receiver stopped")?;
    let report = tokio::time::timeout(Duration::from_secs(10), phone)
        .await
        .map_err(|_| "demo: the phone did not see the call end")?
        .map_err(|_| "demo: the phone task failed")??;
    daemon.shutdown().await?;

    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("demo: cannot create {}: {e}", dir.display()))?;
    }
    wav::write_wav_file(&args.out, &report.heard)
        .map_err(|e| format!("demo: cannot write {}: {e}", args.out.display()))?;

    // Printed as delivered, in the field order of spec section 3.
    println!("{}", String::from_utf8_lossy(&event));
    summarise(
        &serde_json::from_slice(&event)?,
        &report,
        &args.out,
        started,
    );
    Ok(())
}

/// One line on stderr: what the call did, as the event says and as the phone saw it.
fn summarise(event: &Value, report: &PhoneReport, out: &Path, started: Instant) {
    eprintln!(
        "demo: result {} {}; code read {} time(s), {} replay(s), keys {:?} (the phone pressed {:?}); the phone answered with {:?} and heard {:.1} s ({} packets), written to {} ({:.1} s in all)",
        event["result"]["code"],
        event["result"]["description"].as_str().unwrap_or(""),
        event["code-read-count"],
        event["replays"],
        event["dtmf"].as_str().unwrap_or(""),
        report.pressed,
        report.codec,
        report.heard.len() as f64 / 8000.0,
        report.packets_received,
        out.display(),
        started.elapsed().as_secs_f64(),
    );
}

/// A callback receiver on 127.0.0.1:0 forwarding every body it gets.
async fn start_receiver(events: mpsc::Sender<Bytes>) -> Result<SocketAddr, CommandError> {
    let app = axum::Router::new().route(
        "/demo/finished",
        axum::routing::post(move |body: Bytes| {
            let events = events.clone();
            async move {
                let _ = events.send(body).await;
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}
