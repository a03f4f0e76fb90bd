//! The thin tokio driver: one socket, one task, no protocol logic.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpSocket, UdpSocket};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant as TokioInstant;

use crate::error::SipError;
use crate::types::{CallKey, CallRequest, SipEvent, Timers, Transport, TrunkTarget, UaConfig};
use crate::ua::UserAgent;

/// Largest message accepted on a stream before the connection is dropped.
const MAX_STREAM_MESSAGE: usize = 64 * 1024;
/// Events buffered per call; a call produces only a handful.
const CALL_EVENT_BUFFER: usize = 64;

/// Configuration of a [`SipEndpoint`].
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// Local address to bind (port 0 = any free port).
    pub listen: SocketAddr,
    /// UDP or TCP.
    pub transport: Transport,
    /// Trunk as `host:port` or `host` (port 5060); a name is resolved at start.
    pub trunk: String,
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
}

impl EndpointConfig {
    /// A UDP configuration with defaults for everything but the addresses.
    pub fn udp(listen: SocketAddr, trunk: impl Into<String>) -> Self {
        EndpointConfig {
            listen,
            transport: Transport::Udp,
            trunk: trunk.into(),
            from_domain: "voice-otp.invalid".to_owned(),
            username: String::new(),
            password: String::new(),
            user_agent: concat!("voice-otp/", env!("CARGO_PKG_VERSION")).to_owned(),
            keepalive: None,
            seed: None,
            timers: Timers::default(),
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
}

#[derive(Debug, Default)]
struct SharedStats {
    malformed: AtomicU64,
    /// 0 unknown, 1 reachable, 2 unreachable.
    reachable: AtomicU8,
    active: AtomicUsize,
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
}

impl SipEndpoint {
    /// Binds the socket, resolves the trunk and starts the driver task.
    pub async fn start(config: EndpointConfig) -> Result<SipEndpoint, SipError> {
        let trunk = resolve(&config.trunk).await?;
        let seed = config.seed.unwrap_or_else(rand::random);
        let (socket, local_addr) = match config.transport {
            Transport::Udp => {
                let s = UdpSocket::bind(config.listen).await?;
                let bound = s.local_addr()?;
                (Socket::Udp(s), bound)
            }
            Transport::Tcp => {
                let (rd, wr, bound) = connect_tcp(config.listen, trunk).await?;
                (Socket::Tcp(Some((rd, wr))), bound)
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
        });
        let stats = Arc::new(SharedStats::default());
        let (tx, rx) = mpsc::unbounded_channel();
        let driver = Driver {
            ua,
            socket,
            listen: config.listen,
            trunk,
            commands: rx,
            calls: HashMap::new(),
            stats: stats.clone(),
            stream_buf: BytesMut::with_capacity(8192),
        };
        let task = tokio::spawn(driver.run());
        Ok(SipEndpoint {
            commands: tx,
            local_addr: advertised,
            trunk,
            stats,
            task: std::sync::Mutex::new(Some(task)),
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
    Tcp(Option<(OwnedReadHalf, OwnedWriteHalf)>),
}

struct Driver {
    ua: UserAgent,
    socket: Socket,
    listen: SocketAddr,
    trunk: SocketAddr,
    commands: mpsc::UnboundedReceiver<Command>,
    calls: HashMap<CallKey, mpsc::Sender<SipEvent>>,
    stats: Arc<SharedStats>,
    stream_buf: BytesMut,
}

enum Input {
    Command(Option<Command>),
    Datagram(std::io::Result<(usize, SocketAddr)>),
    Stream(std::io::Result<usize>),
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
                Socket::Tcp(Some((rd, _))) => tokio::select! {
                    c = self.commands.recv() => Input::Command(c),
                    r = rd.read_buf(&mut self.stream_buf) => Input::Stream(r),
                    () = sleep => Input::Timeout,
                },
                Socket::Tcp(None) => tokio::select! {
                    c = self.commands.recv() => Input::Command(c),
                    () = sleep => Input::Timeout,
                },
            };
            let now = std::time::Instant::now();
            match input {
                Input::Command(None | Some(Command::Shutdown)) => return,
                Input::Command(Some(cmd)) => self.command(now, cmd),
                Input::Datagram(Ok((n, from))) => self.ua.handle_datagram(now, from, &buf[..n]),
                Input::Datagram(Err(e)) => {
                    // ICMP port unreachable surfaces here on some systems; not fatal.
                    tracing::debug!(error = %e, "SIP UDP receive error");
                }
                Input::Stream(Ok(0)) | Input::Stream(Err(_)) => {
                    self.socket = Socket::Tcp(None);
                    self.stream_buf.clear();
                    self.ua.handle_transport_error(now, self.trunk);
                }
                Input::Stream(Ok(_)) => loop {
                    match frame_stream(&mut self.stream_buf) {
                        Ok(Some(msg)) => self.ua.handle_datagram(now, self.trunk, &msg),
                        Ok(None) => break,
                        Err(_) => {
                            self.socket = Socket::Tcp(None);
                            self.stream_buf.clear();
                            self.ua.handle_transport_error(now, self.trunk);
                            break;
                        }
                    }
                },
                Input::Timeout => self.ua.handle_timeout(now),
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

    async fn flush(&mut self) {
        while let Some(t) = self.ua.poll_transmit() {
            match &mut self.socket {
                Socket::Udp(s) => {
                    if let Err(e) = s.send_to(&t.payload, t.destination).await {
                        tracing::debug!(error = %e, dest = %t.destination, "SIP UDP send failed");
                    }
                }
                Socket::Tcp(conn) => {
                    if conn.is_none() {
                        match connect_tcp(self.listen, self.trunk).await {
                            Ok((rd, wr, _)) => *conn = Some((rd, wr)),
                            Err(e) => tracing::debug!(error = %e, "SIP TCP reconnect failed"),
                        }
                    }
                    let ok = match conn {
                        Some((_, wr)) => wr.write_all(&t.payload).await.is_ok(),
                        None => false,
                    };
                    if !ok {
                        *conn = None;
                        self.ua
                            .handle_transport_error(std::time::Instant::now(), t.destination);
                    }
                }
            }
        }
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
        self.stats
            .malformed
            .store(self.ua.malformed_count(), Ordering::Relaxed);
        self.stats
            .active
            .store(self.ua.active_calls(), Ordering::Relaxed);
    }
}

async fn connect_tcp(
    listen: SocketAddr,
    trunk: SocketAddr,
) -> Result<(OwnedReadHalf, OwnedWriteHalf, SocketAddr), SipError> {
    let socket = if trunk.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(listen)?;
    let stream = tokio::time::timeout(Duration::from_secs(5), socket.connect(trunk))
        .await
        .map_err(|_| SipError::Io(std::io::ErrorKind::TimedOut.into()))??;
    stream.set_nodelay(true)?;
    let local = stream.local_addr()?;
    let (rd, wr) = stream.into_split();
    Ok((rd, wr, local))
}

/// Resolves `host:port`, `host`, `[v6]:port` or `v6` (default port 5060).
async fn resolve(trunk: &str) -> Result<SocketAddr, SipError> {
    if let Ok(a) = trunk.parse::<SocketAddr>() {
        return Ok(a);
    }
    if let Ok(ip) = trunk.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 5060));
    }
    let with_port = if trunk.contains(':') {
        trunk.to_owned()
    } else {
        format!("{trunk}:5060")
    };
    tokio::net::lookup_host(&with_port)
        .await
        .map_err(|_| SipError::Resolve(trunk.to_owned()))?
        .next()
        .ok_or_else(|| SipError::Resolve(trunk.to_owned()))
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

/// Cuts one SIP message off the front of a stream buffer using Content-Length (RFC 3261
/// 18.3). `Ok(None)` means more bytes are needed; an error means the stream is unusable.
pub fn frame_stream(buf: &mut BytesMut) -> Result<Option<Bytes>, SipError> {
    // Leading CRLFs are keepalives (RFC 5626 4.4.1).
    let lead = buf
        .iter()
        .take_while(|b| **b == b'\r' || **b == b'\n')
        .count();
    let _ = buf.split_to(lead);
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        if buf.len() > MAX_STREAM_MESSAGE {
            return Err(SipError::Malformed("stream headers too long"));
        }
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| SipError::Malformed("not UTF-8"))?;
    let mut length = 0usize;
    for line in head.split("\r\n").skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim();
            if name.eq_ignore_ascii_case("Content-Length") || name.eq_ignore_ascii_case("l") {
                length = value
                    .trim()
                    .parse()
                    .map_err(|_| SipError::Malformed("bad Content-Length"))?;
            }
        }
    }
    let total = end + 4 + length;
    if total > MAX_STREAM_MESSAGE {
        return Err(SipError::Malformed("stream message too long"));
    }
    if buf.len() < total {
        return Ok(None);
    }
    Ok(Some(buf.split_to(total).freeze()))
}
