//! `voice-otp serve [--config FILE]`: runs the daemon until SIGTERM or SIGINT.

use std::path::PathBuf;

use tracing::info;

use super::CommandError;
use crate::config::Config;
use crate::daemon::Daemon;
use crate::metrics::Metrics;
use crate::wiring::build_supervised_executor;

/// Command-line arguments of `voice-otp serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TOML configuration file; `VOICE_OTP_<SECTION>_<KEY>` variables override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Runs `voice-otp serve`.
pub fn run(args: Args) -> Result<(), CommandError> {
    let config = Config::load(args.config.as_deref())?;
    // Before anything is bound: a guessable token stops the daemon at once.
    config.check_tenants()?;
    init_tracing(&config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let metrics = Metrics::new();
        let (executor, sip_failed) = build_supervised_executor(&config, &metrics).await?;
        let daemon = Daemon::start_with_metrics(config, executor, metrics).await?;
        let sip_died = tokio::select! {
            signal = wait_for_signal() => {
                signal?;
                info!("signal received");
                false
            }
            () = sip_failed => true,
        };
        // Either way the live calls end and are recorded (11 when signalling died).
        daemon.shutdown().await?;
        if sip_died {
            // Non-zero, so systemd (Restart=on-failure) starts a fresh daemon.
            return Err(
                "the SIP driver stopped; exiting so the service manager restarts voice-otp".into(),
            );
        }
        Ok(())
    })
}

fn init_tracing(config: &Config) -> Result<(), CommandError> {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log.level)
        .map_err(|_| format!("config: [log] level: invalid filter {:?}", config.log.level))?;
    use std::io::IsTerminal;
    // Colours only on a terminal: journald and log files get plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let result = if config.log.json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    result.map_err(|e| format!("cannot set up logging: {e}").into())
}

async fn wait_for_signal() -> Result<(), CommandError> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}
