//! The voice-otp daemon: the CM.com-compatible HTTP API, configuration, the store of
//! instructions, CDRs and the callback outbox (SQLite, or PostgreSQL for several nodes),
//! signed callbacks, metrics, and the commands of the `voice-otp` binary.
//!
//! The daemon places calls through an injected [`voice_otp_call::CallExecutor`]:
//!
//! ```no_run
//! # async fn demo(executor: std::sync::Arc<dyn voice_otp_call::CallExecutor>) -> Result<(), voice_otp_daemon::DaemonError> {
//! use voice_otp_daemon::{Config, Daemon};
//! let config = Config::load(None)?;
//! let daemon = Daemon::start(config, executor).await?;
//! println!("API on {}", daemon.local_addr());
//! daemon.shutdown().await?;
//! # Ok(()) }
//! ```

mod api;
mod audio;
mod callbacks;
mod calls;
pub mod cluster;
pub mod commands;
pub mod config;
mod daemon;
mod error;
mod event;
mod fault;
mod guard;
mod http;
mod metrics;
mod request;
mod store;
pub mod wiring;

pub use api::ApiError;
pub use callbacks::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
pub use config::Config;
pub use daemon::Daemon;
pub use error::{ConfigError, DaemonError, StoreError};
pub use event::{EventResult, FinishedEvent, format_timestamp_ms};
pub use metrics::Metrics;
pub use request::FieldError;

/// Validates an OTP or Notification request body exactly as the API does, against the
/// audio store of `audio` and the default `[guard]`, without dialling or storing anything. Returns how many calls it
/// would place. For tools and the fuzz target of the request parser.
pub fn check_instruction_body(
    kind: voice_otp_call::CallKind,
    body: &[u8],
    audio: &config::AudioConfig,
) -> Result<usize, Vec<FieldError>> {
    let files = audio::AudioFiles::new(audio.dir.clone(), audio.defaults.clone())
        .with_recorded(audio.recorded.clone())
        .with_letter_style(audio.letter_style);
    request::validate(kind, body, &files, &config::GuardConfig::default())
        .map(|ins| ins.callees.len())
}
