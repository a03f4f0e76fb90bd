//! The seam between the daemon and the real call runner.
//!
//! `voice-otp serve` (and `voice-otp demo`) get their [`CallExecutor`] from
//! [`build_executor`]: a [`CallRunner`] over one SIP endpoint per trunk of the trunk group
//! (`[[trunks]]`, or the one trunk of `[sip]`), the RTP engine of `[rtp]` and a renderer
//! over `[audio]` with the espeak-ng TTS, reporting to the daemon's [`Metrics`].
//!
//! One endpoint per trunk gives each trunk its own socket (or connection), transport,
//! credentials and TLS settings, and its own keepalive verdict, with no per-call routing
//! inside the SIP crate. The first trunk binds `[sip] listen`; the others a free port of
//! the same IP.

use std::sync::Arc;

use voice_otp_call::CallExecutor;
use voice_otp_call::runner::{CallObserver, CallRunner, Stack, StackConfig};
use voice_otp_call::trunks::{TrunkGroup, TrunkLimits};
use voice_otp_dtmf::DtmfSource;
use voice_otp_media::{AudioRoot, EspeakNg, RenderConfig, Renderer};
use voice_otp_rtp::{EngineConfig, MediaEngine, PacerPriority, PortRange};
use voice_otp_sip::{
    Codec, DriverExit, EndpointConfig, SipEndpoint, SipError, TlsSettings, Transport,
};

use crate::config::{Config, SipTransport, TrunkConfig};
use crate::metrics::Metrics;
use crate::store::PgTrunkBudget;

/// Why no executor could be built. Each message is one line naming what failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildExecutorError {
    /// The SIP socket could not be bound (or, for TCP, the trunk connection failed).
    #[error("sip: cannot listen on {addr}: {source}")]
    SipBind {
        /// `[sip] listen`.
        addr: std::net::SocketAddr,
        /// The IO error.
        source: std::io::Error,
    },
    /// The SIP endpoint did not start for another reason (e.g. the trunk name does not
    /// resolve).
    #[error("sip: cannot start the endpoint towards trunk {trunk:?}: {source}")]
    Sip {
        /// `[sip] trunk`, or the `address` of the `[[trunks]]` entry.
        trunk: String,
        /// What the SIP crate said.
        source: SipError,
    },
    /// `[rtp] ports` is not a usable range for the media engine (it needs an even first
    /// port below the last one).
    #[error("rtp: ports {first}-{last}: {source}")]
    RtpPorts {
        /// First port.
        first: u16,
        /// Last port.
        last: u16,
        /// What the RTP crate said.
        source: voice_otp_rtp::RtpError,
    },
    /// The trunk group and its endpoints do not match (one endpoint per trunk).
    #[error("trunks: {source}")]
    Trunks {
        /// What the call crate said.
        source: voice_otp_call::Error,
    },
    /// The trunks' shared budget could not be set up from `[store] url`.
    #[error("trunks: shared budget: {source}")]
    TrunkBudget {
        /// What the store said.
        source: crate::error::StoreError,
    },
    /// The RTP media engine did not start.
    #[error("rtp: cannot start the media engine on {ip}: {source}")]
    Rtp {
        /// `[rtp] ip`.
        ip: std::net::IpAddr,
        /// What the RTP crate said.
        source: voice_otp_rtp::RtpError,
    },
}

/// Feeds the answer latency histogram and the DTMF counter from every call: the metrics'
/// one push route from the runner. (RTP packets, pacers and the trunk's keepalive verdict
/// are read from the `MediaEngine` and the `SipEndpoint` at scrape time, live calls
/// included.)
struct MetricsObserver(Metrics);

impl CallObserver for MetricsObserver {
    fn answered(&self, after: std::time::Duration) {
        self.0.observe_answer_latency(after);
    }

    fn key_pressed(&self, _source: DtmfSource) {
        self.0.inc_dtmf_events();
    }
}

/// The SIP endpoint configuration of `trunk` (the `first` binds `[sip] listen`, the others
/// a free port of its IP).
fn endpoint_config(config: &Config, trunk: &TrunkConfig, first: bool) -> EndpointConfig {
    let sip = &config.sip;
    let mut listen = sip.listen;
    if !first {
        listen.set_port(0);
    }
    let mut endpoint = EndpointConfig::udp(listen, trunk.address.clone());
    endpoint.transport = match trunk.transport {
        SipTransport::Udp => Transport::Udp,
        SipTransport::Tcp => Transport::Tcp,
        SipTransport::Tls => Transport::Tls,
    };
    endpoint.tls = TlsSettings {
        ca: trunk.tls_ca.clone(),
        server_name: trunk.tls_server_name.clone(),
        client_cert: trunk.tls_cert.clone(),
        client_key: trunk.tls_key.clone(),
    };
    endpoint.from_domain = sip.from_domain.clone();
    endpoint.username = trunk.username.clone();
    endpoint.password = trunk.password.clone();
    // Off unless configured: a trunk that does not expect OPTIONS (SIPp scenarios, some
    // carriers) would count them as errors.
    endpoint.keepalive = (!sip.keepalive.is_zero()).then_some(sip.keepalive);
    endpoint.timers.t1 = sip.t1;
    endpoint.accept_from.clone_from(&sip.accept_from);
    endpoint.peer_networks = config.rtp.peer_networks.clone();
    endpoint
}

/// The selection's view of `trunk`.
fn trunk_limits(trunk: &TrunkConfig) -> TrunkLimits {
    TrunkLimits {
        name: trunk.name.clone(),
        index: 0,
        priority: trunk.priority,
        weight: trunk.weight,
        max_cps: trunk.max_cps,
        max_concurrent: trunk.max_concurrent,
    }
}

/// Starts the SIP endpoint of every trunk, in the group's order.
async fn start_endpoints(
    config: &Config,
    trunks: &[TrunkConfig],
) -> Result<Vec<Arc<SipEndpoint>>, BuildExecutorError> {
    let mut endpoints = Vec::with_capacity(trunks.len());
    for (i, trunk) in trunks.iter().enumerate() {
        let endpoint = endpoint_config(config, trunk, i == 0);
        let listen = endpoint.listen;
        let sip = SipEndpoint::start(endpoint)
            .await
            .map_err(|source| match source {
                SipError::Io(source) => BuildExecutorError::SipBind {
                    addr: listen,
                    source,
                },
                source => BuildExecutorError::Sip {
                    trunk: trunk.address.clone(),
                    source,
                },
            })?;
        tracing::info!(trunk = %trunk.name, local = %sip.local_addr(), address = %sip.trunk_addr(), "SIP endpoint ready");
        endpoints.push(Arc::new(sip));
    }
    Ok(endpoints)
}

/// The pacers' scheduling for `[rtp] realtime-priority` (0: time-sharing). Without the
/// right to use `SCHED_FIFO` the RTP crate logs a warning and keeps the pacers
/// time-sharing, so a daemon run without privileges still works.
fn pacer_priority(level: u8) -> PacerPriority {
    match level {
        0 => PacerPriority::Normal,
        level => PacerPriority::Realtime(level),
    }
}

/// Builds the executor that places real calls for `config` ([sip], [rtp], [audio],
/// [calls]), bumping RTP/DTMF counters and reporting SIP readiness through `metrics`.
///
/// Must be called inside a multi-threaded tokio runtime (the SIP endpoint spawns its
/// driver task). Binds the SIP socket at once, so a taken address fails here.
pub async fn build_executor(
    config: &Config,
    metrics: &Metrics,
) -> Result<Arc<dyn CallExecutor>, BuildExecutorError> {
    let (executor, _sip_failed) = build_supervised_executor(config, metrics).await?;
    Ok(executor)
}

/// Resolves if the SIP driver task dies (it panicked); never resolves otherwise.
pub type SipFailure = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// [`build_executor`], plus a future that resolves if the SIP driver dies, so `serve` can
/// end the live calls and exit non-zero for the service manager to restart it.
pub async fn build_supervised_executor(
    config: &Config,
    metrics: &Metrics,
) -> Result<(Arc<dyn CallExecutor>, SipFailure), BuildExecutorError> {
    let (runner, sips) = build_parts(config, metrics).await?;
    let failed = supervise(&sips, metrics.clone());
    Ok((Arc::new(runner), failed))
}

/// Watches the SIP drivers: if one dies, `/healthz` turns 503 at once (its trunk's calls
/// can no longer be signalled) and the returned future resolves. A normal shutdown
/// resolves nothing.
fn supervise(sips: &[Arc<SipEndpoint>], metrics: Metrics) -> SipFailure {
    let (died, on_death) = tokio::sync::mpsc::channel::<()>(1);
    for sip in sips {
        let stopped = sip.stopped();
        let metrics = metrics.clone();
        let died = died.clone();
        tokio::spawn(async move {
            if stopped.await == DriverExit::Panicked {
                metrics.set_sip_ready(false);
                tracing::error!("the SIP driver task panicked: signalling is down");
                let _ = died.send(()).await;
            }
        });
    }
    drop(died);
    let mut on_death = on_death;
    Box::pin(async move {
        if on_death.recv().await.is_none() {
            std::future::pending::<()>().await;
        }
    })
}

/// The trunk group over `limits`: in cluster mode (`[store] url`) its budget is shared by
/// every node through the database, so N nodes together keep each trunk's `max-cps` and
/// `max-concurrent`; otherwise it is this node's own.
fn trunk_group(
    config: &Config,
    limits: Vec<TrunkLimits>,
) -> Result<TrunkGroup, BuildExecutorError> {
    let Some(url) = &config.store.url else {
        return Ok(TrunkGroup::local(limits, None));
    };
    let budget = PgTrunkBudget::connect(url, &config.node_id())
        .map_err(|source| BuildExecutorError::TrunkBudget { source })?;
    Ok(TrunkGroup::new(limits, Arc::new(budget), None))
}

/// The runner and its SIP endpoints, one per trunk (the demo shuts them down when it is
/// done).
pub(crate) async fn build_parts(
    config: &Config,
    metrics: &Metrics,
) -> Result<(CallRunner<Stack>, Vec<Arc<SipEndpoint>>), BuildExecutorError> {
    let trunks = config.trunk_group();
    let sips = match start_endpoints(config, &trunks).await {
        Ok(sips) => sips,
        Err(error) => {
            metrics.set_sip_ready(false);
            return Err(error);
        }
    };
    metrics.set_sip_ready(true);
    for (trunk, sip) in trunks.iter().zip(&sips) {
        metrics.watch_sip_endpoint(&trunk.name, sip);
    }

    let ports = config.rtp.ports;
    let range =
        PortRange::new(ports.first, ports.last).map_err(|source| BuildExecutorError::RtpPorts {
            first: ports.first,
            last: ports.last,
            source,
        })?;
    let mut engine = EngineConfig::new(range);
    engine.bind_ip = config.rtp.ip;
    engine.pacer_priority = pacer_priority(config.rtp.realtime_priority);
    let media = Arc::new(
        MediaEngine::start(engine).map_err(|source| BuildExecutorError::Rtp {
            ip: config.rtp.ip,
            source,
        })?,
    );
    metrics.watch_media_engine(&media);

    let root = AudioRoot::new(
        Some(config.audio.dir.clone()),
        config.audio.defaults.clone(),
    )
    .with_recorded(Some(config.audio.recorded.clone()));
    let render = RenderConfig {
        cache_bytes: config.audio.cache_bytes,
        max_prompt: config.audio.max_prompt,
        char_gap: config.audio.char_gap,
        group_gap: config.audio.group_gap,
        repeat_last_group: config.audio.repeat_last_group,
        ..RenderConfig::default()
    };
    let renderer = Renderer::new(root, Arc::new(EspeakNg::new()), render);

    let mut stack = StackConfig::g711(config.rtp.ip);
    stack.latching = config.rtp.latching;
    stack.srtp = config.rtp.srtp;
    if config.calls.opus {
        // Asked for explicitly, so preferred: better quality where the trunk has it.
        stack.codecs.insert(0, Codec::Opus);
    }
    let group = Arc::new(trunk_group(
        config,
        trunks.iter().map(trunk_limits).collect(),
    )?);
    metrics.watch_trunk_group(&group);
    let backend = Stack::with_trunks(sips.clone(), group, media, renderer, stack)
        .map_err(|source| BuildExecutorError::Trunks { source })?;
    // The per-call settings (`[calls]`) travel with each call's spec, from the API.
    let runner =
        CallRunner::with_backend(backend).with_observer(Arc::new(MetricsObserver(metrics.clone())));
    Ok((runner, sips))
}
