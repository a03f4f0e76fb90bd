//! The seam between the daemon and the real call runner.
//!
//! `voice-otp serve` gets its [`CallExecutor`] from [`build_executor`]. The runner
//! (`voice_otp_call::runner`, driving the sip/rtp/media/dtmf crates) is wired in here by the
//! lead; until then `serve` refuses to start rather than accept calls it cannot place.

use std::sync::Arc;

use voice_otp_call::CallExecutor;

use crate::config::Config;
use crate::metrics::Metrics;

/// Why no executor could be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// This build has no call runner wired to the daemon yet.
    #[error("no call runner is wired into this build (see crates/daemon/src/engine.rs)")]
    NoRunner,
}

/// Builds the executor that places real calls for `config` ([sip], [rtp], [calls]),
/// bumping RTP/DTMF counters and reporting SIP readiness through `metrics`.
pub async fn build_executor(
    config: &Config,
    metrics: &Metrics,
) -> Result<Arc<dyn CallExecutor>, EngineError> {
    let _ = (config, metrics);
    Err(EngineError::NoRunner)
}
