//! The thin tokio driver: one socket, one task, no protocol logic.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant as TokioInstant;
use zeroize::Zeroize;

use crate::error::SipError;
use crate::net::NetworkList;
use crate::tcp::{LinkEvent, TcpLink, WRITE_TIMEOUT, connect_tcp};
use crate::tls::{TlsClient, TlsSettings};
use crate::types::{CallKey, CallRequest, SipEvent, Timers, Transport, TrunkTarget, UaConfig};
use crate::ua::UserAgent;

/// Events buffered per call; a call produces only a handful.
const CALL_EVENT_BUFFER: usize = 64;

/// Configuration of a [`SipEndpoint`].
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// Local address to bind (port 0 = any free port).
    pub listen: SocketAddr,
    /// UDP, TCP or TLS.
    pub transport: Transport,
    /// Trunk as `host:port` or `host` (port 5060, or 5061 over TLS); a name is resolved
    /// at start.
    pub trunk: String,
    /// How the trunk's certificate is checked, and our own, when `transport` is TLS.
    pub tls: TlsSettings,
    /// Domain for From and P-Asserted-Identity.
    pub from_domain: String,
    /// Digest username (empty = no credentials).
    pub username: String,
    /// Digest password.
    pub password: String,
    /// User-Agent header.
    pub user_agent: String,
    /// OPTIONS keepalive interval (`None` = off).
    pub keepalive: Option<Duration>,
    /// Seed for tags and branches (`None` = random).
    pub seed: Option<u64>,
    /// RFC 3261 timer values.
    pub timers: Timers,
    /// Sources whose UDP datagrams get read at all (`[sip] accept-from`); others are dropped
    /// unanswered and counted. `None`: every address the trunk name resolves to. (Over TCP
    /// the only connection is the one we opened to the trunk.)
    pub accept_from: Option<NetworkList>,
    /// Where the far end may put its media (`[rtp] peer-networks`): an SDP `c=` address
    /// outside these networks fails the call, and a re-INVITE moving there gets 488.
    pub peer_networks: NetworkList,
}

impl EndpointConfig {
    /// A UDP configuration with defaults for everything but the addresses.
    pub fn udp(listen: SocketAddr, trunk: impl Into<String>) -> Self {
        EndpointConfig {
            listen,
            transport: Transport::Udp,
            trunk: trunk.into(),
            tls: TlsSettings::default(),
            from_domain: "voice-otp.invalid".to_owned(),
            username: String::new(),
            password: String::new(),
            user_agent: concat!("voice-otp/", env!("CARGO_PKG_VERSION")).to_owned(),
            keepalive: None,
            seed: None,
            timers: Timers::default(),
            accept_from: None,
            peer_networks: NetworkList::any(),
        }
    }
}

/// Counters the daemon reads for health and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointStats {
    /// Datagrams dropped because they did not parse.
    pub malformed: u64,
    /// Last OPTIONS keepalive result (`None` before the first one or when keepalive is off).
    pub trunk_reachable: Option<bool>,
    /// Calls still holding state in the user agent.
    pub active_calls: usize,
    /// Datagrams dropped unanswered because their source is outside `accept_from`.
    pub rejected_source: u64,
    /// TCP streams from the trunk that could not be framed (each cost one reconnect).
    pub garbled_streams: u64,
}

#[derive(Debug, Default)]
struct SharedStats {
    malformed: AtomicU64,
    /// 0 unknown, 1 reachable, 2 unreachable.
    reachable: AtomicU8,
    active: AtomicUsize,
    rejected_source: AtomicU64,
    garbled_streams: AtomicU64,
}

/// How the driver task of a [`SipEndpoint`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriverExit {
    /// [`SipEndpoint::shutdown`], dropping the endpoint, or the runtime stopping ended it.
    Shutdown,
    /// It panicked: no call on this endpoint can make progress any more.
    Panicked,
}

/// Reports how the driver ended when the driver's future is dropped: returned, aborted, or
/// unwound by a panic (drops run during unwinding, so this sees that too).
struct ExitGuard(watch::Sender<Option<DriverExit>>);

impl Drop for ExitGuard {
    fn drop(&mut self) {
        let exit = if std::thread::panicking() {
            DriverExit::Panicked
        } else {
            DriverExit::Shutdown
        };
        self.0.send_replace(Some(exit));
    }
}

type DialReply = oneshot::Sender<(CallKey, mpsc::Receiver<SipEvent>)>;

enum Command {
    Dial(Box<CallRequest>, DialReply),
    Cancel(CallKey),
    Hangup(CallKey),
    Info(
        CallKey,
        String,
        Bytes,
        oneshot::Sender<Result<(), SipError>>,
    ),
    Shutdown,
}

/// Async handle to the SIP stack: one socket and one driver task shared by every call.
///
/// ```no_run
/// # async fn demo() -> Result<(), voice_otp_sip::SipError> {
/// use voice_otp_sip::{CallRequest, EndpointConfig, MediaOffer, SipEndpoint, SipEvent};
///
/// let mut config = EndpointConfig::udp("0.0.0.0:5060".parse().unwrap(), "sip.trunk.example:5060");
/// config.from_domain = "otp.example".into();
/// let endpoint = SipEndpoint::start(config).await?;
/// let (key, mut events) = endpoint
///     .dial(CallRequest {
///         callee: "+31612345678".into(),
///         caller: "+3197010".into(),
///         anonymous: false,
///         trunk: None,
///         media: MediaOffer::g711("192.0.2.10:40000".parse().unwrap()),
///         extra_headers: vec![],
///     })
///     .await?;
/// while let Some(event) = events.recv().await {
///     match event {
///         SipEvent::Answered { media, .. } => {
///             // start RTP towards media.remote_rtp ... then, when done:
///             endpoint.hangup(key)?;
///         }
///         e if e.is_terminal() => break,
///         _ => {}
///     }
/// }
/// endpoint.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SipEndpoint {
    commands: mpsc::UnboundedSender<Command>,
    local_addr: SocketAddr,
    trunk: SocketAddr,
    stats: Arc<SharedStats>,
    task: std::sync::Mutex<Option<JoinHandle<()>>>,
    exit: watch::Receiver<Option<DriverExit>>,
}

impl SipEndpoint {
    /// Binds the socket (or connects to the trunk, for TCP and TLS), resolves the trunk and
    /// starts the driver task. Over TLS the handshake runs in the connection's task: a
    /// trunk whose certificate does not verify fails the calls with that reason, not the
    /// start, while unreadable `tls` files do fail the start.
    pub async fn start(config: EndpointConfig) -> Result<SipEndpoint, SipError> {
        let default_port = if config.transport == Transport::Tls {
            5061
        } else {
            5060
        };
        let trunk_addrs = resolve(&config.trunk, default_port).await?;
        let trunk = trunk_addrs[0];
        let accept = config
            .accept_from
            .clone()
            .unwrap_or_else(|| NetworkList::addresses(trunk_addrs.iter().map(|a| a.ip())));
        let seed = config.seed.unwrap_or_else(rand::random);
        let (socket, local_addr) = match config.transport {
            Transport::Udp => {
                let s = UdpSocket::bind(config.listen).await?;
                let bound = s.local_addr()?;
                (Socket::Udp(s), bound)
            }
            Transport::Tcp | Transport::Tls => {
                let tls = match config.transport {
                    Transport::Tls => Some(TlsClient::new(&config.tls, &config.trunk)?),
                    _ => None,
                };
                let stream = connect_tcp(config.listen, trunk).await?;
                let bound = stream.local_addr()?;
                (
                    Socket::Tcp(TcpLink::new(config.listen, trunk, tls, stream)),
                    bound,
                )
            }
        };
        let advertised = advertised_addr(local_addr, trunk)?;
        let ua = UserAgent::new(UaConfig {
            local_addr: advertised,
            transport: config.transport,
            from_domain: config.from_domain.clone(),
            user_agent: config.user_agent.clone(),
            username: config.username.clone(),
            password: config.password.clone(),
            trunk: Some(TrunkTarget {
                addr: trunk,
                host: config.trunk.clone(),
            }),
            keepalive: config.keepalive,
            seed,
            timers: config.timers,
        })
        .with_peer_networks(config.peer_networks.clone());
        let stats = Arc::new(SharedStats::default());
        let (tx, rx) = mpsc::unbounded_channel();
        let driver = Driver {
            ua,
            socket,
            trunk,
            accept,
            commands: rx,
            calls: HashMap::new(),
            stats: stats.clone(),
        };
        let (exit_tx, exit) = watch::channel(None);
        let guard = ExitGuard(exit_tx);
        let task = tokio::spawn(async move {
            let _guard = guard;
            driver.run().await;
        });
        Ok(SipEndpoint {
            commands: tx,
            local_addr: advertised,
            trunk,
            stats,
            task: std::sync::Mutex::new(Some(task)),
            exit,
        })
    }

    /// Places a call; its events arrive on the returned receiver, ending with a terminal one.
    pub async fn dial(
        &self,
        request: CallRequest,
    ) -> Result<(CallKey, mpsc::Receiver<SipEvent>), SipError> {
        let (reply, wait) = oneshot::channel();
        self.commands
            .send(Command::Dial(Box::new(request), reply))
            .map_err(|_| SipError::Shutdown)?;
        wait.await.map_err(|_| SipError::Shutdown)
    }

    /// CANCEL (or BYE once answered).
    pub fn cancel(&self, key: CallKey) -> Result<(), SipError> {
        self.commands
            .send(Command::Cancel(key))
            .map_err(|_| SipError::Shutdown)
    }

    /// BYE (or CANCEL before the answer).
    pub fn hangup(&self, key: CallKey) -> Result<(), SipError> {
        self.commands
            .send(Command::Hangup(key))
            .map_err(|_| SipError::Shutdown)
    }

    /// Sends INFO in an answered call.
    pub async fn send_info(
        &self,
        key: CallKey,
        content_type: &str,
        body: Bytes,
    ) -> Result<(), SipError> {
        let (reply, wait) = oneshot::channel();
        self.commands
            .send(Command::Info(key, content_type.to_owned(), body, reply))
            .map_err(|_| SipError::Shutdown)?;
        wait.await.map_err(|_| SipError::Shutdown)?
    }

    /// The address written into Via and Contact (bound address, or the route's source IP when
    /// bound to the unspecified address).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The resolved trunk address.
    pub fn trunk_addr(&self) -> SocketAddr {
        self.trunk
    }

    /// Current counters.
    pub fn stats(&self) -> EndpointStats {
        EndpointStats {
            malformed: self.stats.malformed.load(Ordering::Relaxed),
            trunk_reachable: match self.stats.reachable.load(Ordering::Relaxed) {
                1 => Some(true),
                2 => Some(false),
                _ => None,
            },
            active_calls: self.stats.active.load(Ordering::Relaxed),
            rejected_source: self.stats.rejected_source.load(Ordering::Relaxed),
            garbled_streams: self.stats.garbled_streams.load(Ordering::Relaxed),
        }
    }

    /// Resolves once the driver task has ended, saying how. Owns what it needs, so a
    /// supervisor can hold it without keeping the endpoint alive.
    pub fn stopped(&self) -> impl Future<Output = DriverExit> + Send + 'static {
        let mut exit = self.exit.clone();
        async move {
            match exit.wait_for(Option::is_some).await {
                Ok(v) => v.unwrap_or(DriverExit::Shutdown),
                // The guard always reports before it goes; a lost sender means it is gone.
                Err(_) => DriverExit::Shutdown,
            }
        }
    }

    /// Stops the driver task (calls in progress are abandoned) and waits for it. Works
    /// through a shared reference so an `Arc<SipEndpoint>` can be shut down; later calls
    /// return at once. Dropping the endpoint also stops the task.
    pub async fn shutdown(&self) {
        let _ = self.commands.send(Command::Shutdown);
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

enum Socket {
    Udp(UdpSocket),
    Tcp(TcpLink),
}

struct Driver {
    ua: UserAgent,
    socket: Socket,
    trunk: SocketAddr,
    /// Sources whose datagrams are read at all (`[sip] accept-from`).
    accept: NetworkList,
    commands: mpsc::UnboundedReceiver<Command>,
    calls: HashMap<CallKey, mpsc::Sender<SipEvent>>,
    stats: Arc<SharedStats>,
}

enum Input {
    Command(Option<Command>),
    Datagram(std::io::Result<(usize, SocketAddr)>),
    Link(LinkEvent),
    Timeout,
}

impl Driver {
    async fn run(mut self) {
        let mut buf = vec![0u8; 65536];
        self.ua.start_keepalive(std::time::Instant::now());
        loop {
            self.flush().await;
            let deadline = self.ua.poll_timeout().map(TokioInstant::from_std);
            let sleep = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            let input = match &mut self.socket {
                Socket::Udp(s) => tokio::select! {
                    c = self.commands.recv() => Input::Command(c),
                    r = s.recv_from(&mut buf) => Input::Datagram(r),
                    () = sleep => Input::Timeout,
                },
                Socket::Tcp(link) => tokio::select! {
                    c = self.commands.recv() => Input::Command(c),
                    e = link.next_event() => Input::Link(e),
                    () = sleep => Input::Timeout,
                },
            };
            let now = std::time::Instant::now();
            match input {
                Input::Command(None | Some(Command::Shutdown)) => return,
                Input::Command(Some(cmd)) => self.command(now, cmd),
                Input::Datagram(Ok((n, from))) => {
                    self.datagram(now, from, &buf[..n]);
                    // An answer's SDP holds the far end's SRTP key: parsed (into buffers
                    // that wipe themselves), it leaves no copy here either.
                    buf[..n].zeroize();
                }
                Input::Datagram(Err(e)) => {
                    // ICMP port unreachable surfaces here on some systems; not fatal.
                    tracing::debug!(error = %e, "SIP UDP receive error");
                }
                Input::Link(event) => self.link_event(now, event),
                Input::Timeout => self.ua.handle_timeout(now),
            }
        }
    }

    /// A datagram from `from`: read only if `[sip] accept-from` lets that source in.
    fn datagram(&mut self, now: std::time::Instant, from: SocketAddr, data: &[u8]) {
        crate::fault::panic_if_marked(data);
        if self.accept.contains(from.ip()) {
            self.ua.handle_datagram(now, from, data);
        } else {
            // No answer at all: a stranger learns nothing, not even that SIP listens here.
            self.stats.rejected_source.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(%from, "SIP datagram from a source outside accept-from dropped");
        }
    }

    fn link_event(&mut self, now: std::time::Instant, event: LinkEvent) {
        let Socket::Tcp(link) = &mut self.socket else {
            return;
        };
        match event {
            LinkEvent::Message(msg) => self.ua.handle_datagram(now, self.trunk, &msg),
            LinkEvent::Garbled(error) => {
                // Only the stream is lost, not the calls: their transactions go on over a
                // fresh connection (and time out as usual if a response was in the garbage).
                tracing::warn!(%error, "SIP stream from the trunk unusable: reconnecting");
                self.stats.garbled_streams.fetch_add(1, Ordering::Relaxed);
                link.reopen();
            }
            LinkEvent::Broken(error) => {
                tracing::debug!(%error, "SIP TCP connection to the trunk lost");
                link.close();
                self.ua.handle_transport_error(now, self.trunk);
            }
            LinkEvent::TlsFailed(reason) => {
                // No fallback to clear text: the calls fail with the reason, and the next
                // call tries a fresh handshake.
                tracing::warn!(%reason, "SIP TLS connection to the trunk refused");
                link.close();
                self.ua.handle_tls_error(now, self.trunk, reason);
            }
        }
    }

    fn command(&mut self, now: std::time::Instant, cmd: Command) {
        match cmd {
            Command::Dial(req, reply) => {
                let (tx, rx) = mpsc::channel(CALL_EVENT_BUFFER);
                let key = self.ua.start_call(now, *req);
                self.calls.insert(key, tx);
                let _ = reply.send((key, rx));
            }
            Command::Cancel(key) => self.ua.cancel(now, key),
            Command::Hangup(key) => self.ua.hangup(now, key),
            Command::Info(key, ct, body, reply) => {
                let _ = reply.send(self.ua.send_info(now, key, &ct, &body));
            }
            Command::Shutdown => {}
        }
    }

    /// Puts every pending transmit on the wire without waiting on a peer: UDP sends are
    /// bounded by [`WRITE_TIMEOUT`], TCP ones are queued to the connection's own task.
    async fn flush(&mut self) {
        while let Some(t) = self.ua.poll_transmit() {
            match &mut self.socket {
                Socket::Udp(s) => {
                    let send = s.send_to(&t.payload, t.destination);
                    if !matches!(tokio::time::timeout(WRITE_TIMEOUT, send).await, Ok(Ok(_))) {
                        tracing::debug!(dest = %t.destination, "SIP UDP send failed");
                    }
                }
                Socket::Tcp(link) => {
                    if let Err(error) = link.send(t.payload) {
                        tracing::debug!(%error, "SIP TCP send failed: trunk not reading");
                        link.close();
                        self.ua
                            .handle_transport_error(std::time::Instant::now(), t.destination);
                    }
                }
            }
        }
        self.deliver_events();
        self.stats
            .malformed
            .store(self.ua.malformed_count(), Ordering::Relaxed);
        self.stats
            .active
            .store(self.ua.active_calls(), Ordering::Relaxed);
    }

    fn deliver_events(&mut self) {
        while let Some(ev) = self.ua.poll_event() {
            match ev.key() {
                Some(key) => {
                    let terminal = ev.is_terminal();
                    if let Some(tx) = self.calls.get(&key) {
                        match tx.try_send(ev) {
                            Ok(()) => {}
                            // The call's task ended first (e.g. it hung up and left): nobody
                            // is waiting for this event, so losing it is harmless.
                            Err(mpsc::error::TrySendError::Closed(_)) => {
                                tracing::debug!(%key, "SIP event for a finished call task");
                            }
                            Err(mpsc::error::TrySendError::Full(_)) => {
                                tracing::warn!(%key, "SIP event dropped: call's event queue full");
                            }
                        }
                    }
                    if terminal {
                        self.calls.remove(&key);
                    }
                }
                None => {
                    if let SipEvent::TrunkStatus { reachable } = ev {
                        let v = if reachable { 1 } else { 2 };
                        self.stats.reachable.store(v, Ordering::Relaxed);
                    }
                }
            }
        }
    }
}

/// Resolves `host:port`, `host`, `[v6]:port` or `v6` (default port `default_port`) to
/// every address the name has; calls go to the first.
async fn resolve(trunk: &str, default_port: u16) -> Result<Vec<SocketAddr>, SipError> {
    if let Ok(a) = trunk.parse::<SocketAddr>() {
        return Ok(vec![a]);
    }
    if let Ok(ip) = trunk.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, default_port)]);
    }
    let with_port = if trunk.contains(':') {
        trunk.to_owned()
    } else {
        format!("{trunk}:{default_port}")
    };
    let all: Vec<SocketAddr> = tokio::net::lookup_host(&with_port)
        .await
        .map_err(|_| SipError::Resolve(trunk.to_owned()))?
        .collect();
    if all.is_empty() {
        return Err(SipError::Resolve(trunk.to_owned()));
    }
    Ok(all)
}

/// When bound to 0.0.0.0 / ::, asks the routing table which source address reaches the trunk
/// (a connected UDP socket sends nothing).
fn advertised_addr(bound: SocketAddr, trunk: SocketAddr) -> Result<SocketAddr, SipError> {
    if !bound.ip().is_unspecified() {
        return Ok(bound);
    }
    let probe_bind: SocketAddr = if trunk.is_ipv4() {
        "0.0.0.0:0"
            .parse()
            .map_err(|_| SipError::Resolve(String::new()))?
    } else {
        "[::]:0"
            .parse()
            .map_err(|_| SipError::Resolve(String::new()))?
    };
    let probe = std::net::UdpSocket::bind(probe_bind)?;
    probe.connect(trunk)?;
    Ok(SocketAddr::new(probe.local_addr()?.ip(), bound.port()))
}
