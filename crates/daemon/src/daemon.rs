//! The running daemon: HTTP API, call queue, store and callback worker, started from a
//! [`Config`] with the call executor injected.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use sha2::{Digest, Sha256};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tracing::{info, warn};
use voice_otp_call::{CallExecutor, CallSettings};

use crate::api::{AppState, router};
use crate::audio::AudioFiles;
use crate::callbacks::CallbackWorker;
use crate::calls::CallQueue;
use crate::cluster::sealed::SealKey;
use crate::config::Config;
use crate::error::DaemonError;
use crate::event::to_ms;
use crate::http;
use crate::metrics::Metrics;
use crate::store::Store;

/// A running daemon. Stop it with [`Daemon::shutdown`]; merely dropping it aborts the
/// server and the callback worker as a crash would (pending callbacks stay in the store).
pub struct Daemon {
    calls: Arc<CallQueue>,
    http: HttpServer,
    worker: Option<JoinHandle<()>>,
    worker_stop: watch::Sender<bool>,
    /// Cluster mode: the heartbeat and lost-node task.
    liveness: Option<JoinHandle<()>>,
    /// Cluster mode: the task that claims queued calls.
    claimer: Option<JoinHandle<()>>,
}

impl Daemon {
    /// Opens the store, closes calls a previous run left unfinished, resumes pending
    /// callbacks and starts serving HTTP on `config.http.listen` (port 0 picks one; see
    /// [`Daemon::local_addr`]).
    pub async fn start(
        config: Config,
        executor: Arc<dyn CallExecutor>,
    ) -> Result<Daemon, DaemonError> {
        Daemon::start_with_metrics(config, executor, Metrics::new()).await
    }

    /// Like [`Daemon::start`], sharing `metrics` with the executor (RTP/DTMF counters,
    /// SIP readiness).
    pub async fn start_with_metrics(
        config: Config,
        executor: Arc<dyn CallExecutor>,
        metrics: Metrics,
    ) -> Result<Daemon, DaemonError> {
        config.check_tenants()?;
        let store = open_store(&config).await?;
        std::fs::create_dir_all(&config.audio.dir).map_err(|source| DaemonError::AudioDir {
            path: config.audio.dir.display().to_string(),
            source,
        })?;
        if config.all_tenants().is_empty() {
            warn!(
                "no [http] tokens or [[tenants]] configured: every API request will be refused with 401"
            );
        }

        let slots = call_slots(&config);
        let wake = Arc::new(Notify::new());
        // Cluster mode: accepted calls are sealed into the shared queue, and this node's
        // claimer places what it has slots for.
        let seal = match (&config.cluster.secret, store.is_shared()) {
            (Some(secret), true) => Some(SealKey::derive(secret)),
            _ => None,
        };
        let calls = Arc::new(CallQueue::new(
            store.clone(),
            metrics.clone(),
            executor,
            slots,
            Arc::clone(&wake),
            seal.clone(),
        ));
        let claimer = match (store.as_postgres(), seal) {
            (Some(pg), Some(key)) => Some(tokio::spawn(crate::cluster::claimer::run(
                Arc::clone(&calls),
                pg.clone(),
                key,
            ))),
            _ => None,
        };

        let liveness = store.is_shared().then(|| {
            tokio::spawn(crate::store::liveness::run(
                store.clone(),
                Arc::clone(&wake),
            ))
        });
        let client = crate::callbacks::client(&config.callbacks)?;
        let worker = CallbackWorker {
            store,
            metrics,
            config: config.callbacks.clone(),
            client,
            wake,
        };
        let (worker_stop, worker_stop_rx) = watch::channel(false);
        let worker = tokio::spawn(worker.run(worker_stop_rx));

        let state = Arc::new(app_state(&config, Arc::clone(&calls)));
        let http = serve_http(&config, state).await?;
        Ok(Daemon {
            calls,
            http,
            worker: Some(worker),
            worker_stop,
            liveness,
            claimer,
        })
    }

    /// The address the API is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.http.local_addr
    }

    /// The metrics handle (shared with the executor when given to `start_with_metrics`).
    pub fn metrics(&self) -> Metrics {
        self.calls.metrics.clone()
    }

    /// Graceful stop: new instructions get 503, live calls are told to hang up and their
    /// outcomes stored, the callback worker makes one more attempt at what is due (the
    /// callbacks of the calls just ended included) and finishes it, the HTTP server drains
    /// and the store is checkpointed. Callbacks still pending then (a receiver that failed,
    /// a retry not yet due) are delivered after the next start, or by another node.
    pub async fn shutdown(mut self) -> Result<(), DaemonError> {
        info!("shutting down: intake stopped");
        self.calls.shutdown().await;
        // Cluster mode: claiming stopped with the queue; the calls claimed but not dialled
        // are given back to the queue for the other nodes (queued ones stay queued).
        if let Some(claimer) = self.claimer.take() {
            let _ = claimer.await;
        }
        // Heart-beating until every call's outcome is stored, so no other node takes the
        // calls this one is still ending for lost.
        if let Some(liveness) = self.liveness.take() {
            liveness.abort();
        }
        self.worker_stop.send_replace(true);
        if let Some(worker) = self.worker.take() {
            let _ = worker.await;
        }
        self.http.stop.send_replace(true);
        if let Some(server) = self.http.task.take()
            && let Ok(Err(e)) = server.await
        {
            return Err(DaemonError::Serve(e));
        }
        self.calls.store.checkpoint().await?;
        info!("shutdown complete");
        Ok(())
    }
}

/// How many calls may run at once: `[calls] max-concurrent`, but no more than `[rtp]
/// ports` has pairs. Every live call holds one RTP port pair: more slots than pairs would
/// turn the excess into failed calls instead of queued ones.
fn call_slots(config: &Config) -> usize {
    let pairs = config.rtp.ports.pairs().max(1);
    let slots = config.calls.max_concurrent.min(pairs);
    if slots < config.calls.max_concurrent {
        warn!(
            max_concurrent = config.calls.max_concurrent,
            port_pairs = pairs,
            "[rtp] ports hold fewer pairs than [calls] max-concurrent: at most {slots} calls run at once, the rest queue"
        );
    }
    slots
}

/// The running HTTP server.
struct HttpServer {
    local_addr: SocketAddr,
    task: Option<JoinHandle<std::io::Result<()>>>,
    stop: watch::Sender<bool>,
}

/// Binds `[http] listen` and serves the API there.
async fn serve_http(config: &Config, state: Arc<AppState>) -> Result<HttpServer, DaemonError> {
    let listener = tokio::net::TcpListener::bind(config.http.listen)
        .await
        .map_err(|source| DaemonError::Bind {
            addr: config.http.listen,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| DaemonError::Bind {
        addr: config.http.listen,
        source,
    })?;
    let (stop, stop_rx) = watch::channel(false);
    let limits = http::Limits {
        header_timeout: config.http.header_timeout,
        body_timeout: config.http.body_timeout,
        idle_timeout: config.http.idle_timeout,
        max_connections: config.http.max_connections,
    };
    let task = tokio::spawn(http::serve(listener, router(state), limits, stop_rx));
    info!(%local_addr, "HTTP API listening");
    Ok(HttpServer {
        local_addr,
        task: Some(task),
        stop,
    })
}

/// Opens (and migrates) the store off the runtime's threads, and records the calls a
/// previous run left unfinished as failed, with their callbacks.
async fn open_store(config: &Config) -> Result<Store, DaemonError> {
    let node = config.node_id();
    let store = Store::open(&config.store, &node).await?;
    if config.store.url.is_some() {
        info!(node = %node, "store: PostgreSQL");
    }
    let orphans = store.close_orphans(to_ms(SystemTime::now())).await?;
    // The trunk calls a previous run held in the shared budget ended with it.
    store.release_trunk_holds_of_node(&node, None).await?;
    if orphans > 0 {
        warn!(
            calls = orphans,
            "calls left unfinished by the previous run were recorded as failed"
        );
    }
    Ok(store)
}

/// What the API handlers share: the queue, the audio store, the tenants by token digest
/// and the per-call settings of `[calls]`.
fn app_state(config: &Config, calls: Arc<CallQueue>) -> AppState {
    AppState {
        calls,
        audio: AudioFiles::new(config.audio.dir.clone(), config.audio.defaults.clone())
            .with_recorded(config.audio.recorded.clone())
            .with_letter_style(config.audio.letter_style),
        tenants: config
            .all_tenants()
            .into_iter()
            .flat_map(|tenant| {
                let tenant = Arc::new(tenant);
                let digests: Vec<[u8; 32]> = tenant
                    .tokens
                    .iter()
                    .map(|t| Sha256::digest(t.as_bytes()).into())
                    .collect();
                digests.into_iter().map(move |d| (d, Arc::clone(&tenant)))
            })
            .collect(),
        call_settings: CallSettings {
            replay_wait: config.calls.replay_wait,
            max_duration: config.calls.max_call_duration,
            require_keypress: config.calls.require_keypress,
            ..CallSettings::default()
        },
        allow_private_callbacks: config.callbacks.allow_private_networks,
        metrics_token_digest: config
            .http
            .metrics_token
            .as_ref()
            .map(|t| Sha256::digest(t.as_bytes()).into()),
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(server) = self.http.task.take() {
            server.abort();
        }
        if let Some(worker) = self.worker.take() {
            worker.abort();
        }
        if let Some(liveness) = self.liveness.take() {
            liveness.abort();
        }
        if let Some(claimer) = self.claimer.take() {
            claimer.abort();
        }
    }
}
