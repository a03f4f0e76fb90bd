//! The TCP (or TLS over TCP) connection to the trunk, and how messages are cut from its
//! byte stream.
//!
//! Each connection runs in its own task (connecting, the TLS handshake, reading, framing
//! and writing), so the driver never awaits the network: a trunk that stops reading fills a
//! bounded queue and its writes time out, and a trunk that sends garbage only loses its own
//! connection, which is reopened at once without failing the calls. TLS and TCP share all
//! of it: TLS only adds the handshake before the first byte.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use zeroize::Zeroize;

use crate::error::{FramingError, SipError};
use crate::tls::TlsClient;

/// Largest message accepted on a stream before the connection is dropped.
const MAX_STREAM_MESSAGE: usize = 64 * 1024;
/// How long one write may wait for the trunk to read before the connection counts as dead.
pub(crate) const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Messages queued for the writer; a full queue means the trunk stopped reading.
const SEND_QUEUE: usize = 1024;

/// Cuts one SIP message off the front of a stream buffer using Content-Length (RFC 3261
/// 18.3). `Ok(None)` means more bytes are needed; an error means the stream is unusable.
///
/// Every size is checked before it is added, so no Content-Length, however large, can
/// overflow: `Content-Length: 18446744073709551615` is [`FramingError::TooLong`].
pub fn frame_stream(buf: &mut BytesMut) -> Result<Option<Bytes>, SipError> {
    Ok(frame(buf)?)
}

/// [`frame_stream`] with its own error type.
fn frame(buf: &mut BytesMut) -> Result<Option<Bytes>, FramingError> {
    // Leading CRLFs are keepalives (RFC 5626 4.4.1).
    let lead = buf
        .iter()
        .take_while(|b| **b == b'\r' || **b == b'\n')
        .count();
    let _ = buf.split_to(lead);
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        if buf.len() > MAX_STREAM_MESSAGE {
            return Err(FramingError::HeadersTooLong {
                limit: MAX_STREAM_MESSAGE,
            });
        }
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| FramingError::NotUtf8)?;
    let mut length = 0u64;
    for line in head.split("\r\n").skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim();
            if name.eq_ignore_ascii_case("Content-Length") || name.eq_ignore_ascii_case("l") {
                length = value
                    .trim()
                    .parse()
                    .map_err(|_| FramingError::BadContentLength)?;
            }
        }
    }
    let too_long = FramingError::TooLong {
        length,
        limit: MAX_STREAM_MESSAGE,
    };
    let total = usize::try_from(length)
        .ok()
        .and_then(|body| body.checked_add(end)?.checked_add(4))
        .filter(|total| *total <= MAX_STREAM_MESSAGE)
        .ok_or(too_long)?;
    if buf.len() < total {
        return Ok(None);
    }
    // Moved into a buffer that wipes itself, and zeroized here: a message may carry SDES
    // keys, and the stream buffer's allocation outlives it.
    let mut msg = buf.split_to(total);
    let out = crate::secret::wiped_on_drop(msg.to_vec());
    msg[..].zeroize();
    Ok(Some(out))
}

/// What a connection task reports to the driver.
#[derive(Debug)]
pub(crate) enum LinkEvent {
    /// One framed message from the trunk.
    Message(Bytes),
    /// The stream could not be framed; that connection is closed and a new one is opening.
    Garbled(FramingError),
    /// The connection is gone (refused, closed, reset, or a write timed out).
    Broken(std::io::Error),
    /// The TLS handshake failed (e.g. the trunk's certificate is not trusted); the reason
    /// is what the calls fail with.
    TlsFailed(String),
}

/// One connection: the queue its writer drains and its task (aborted on drop).
#[derive(Debug)]
struct Conn {
    out: mpsc::Sender<Bytes>,
    task: JoinHandle<()>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The driver's side of the trunk connection; opened again on demand after a failure.
#[derive(Debug)]
pub(crate) struct TcpLink {
    listen: SocketAddr,
    trunk: SocketAddr,
    /// `Some` for TLS: every connection shakes hands before carrying SIP.
    tls: Option<Arc<TlsClient>>,
    /// Numbers connections, so reports of a connection already replaced are ignored.
    generation: u64,
    conn: Option<Conn>,
    events_tx: mpsc::UnboundedSender<(u64, LinkEvent)>,
    events_rx: mpsc::UnboundedReceiver<(u64, LinkEvent)>,
}

impl TcpLink {
    /// A link over an already connected TCP stream (TLS, if `tls` is set, starts on it).
    pub(crate) fn new(
        listen: SocketAddr,
        trunk: SocketAddr,
        tls: Option<Arc<TlsClient>>,
        stream: TcpStream,
    ) -> TcpLink {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let mut link = TcpLink {
            listen,
            trunk,
            tls,
            generation: 0,
            conn: None,
            events_tx,
            events_rx,
        };
        link.open(Some(stream));
        link
    }

    /// Starts a connection task; `stream` is used as is, or a new connection is made.
    fn open(&mut self, stream: Option<TcpStream>) {
        self.generation += 1;
        let (out, queue) = mpsc::channel(SEND_QUEUE);
        let task = tokio::spawn(run_conn(
            Target {
                generation: self.generation,
                listen: self.listen,
                trunk: self.trunk,
                tls: self.tls.clone(),
            },
            stream,
            queue,
            self.events_tx.clone(),
        ));
        self.conn = Some(Conn { out, task });
    }

    /// Drops the current connection (its task stops); the next send opens a new one.
    pub(crate) fn close(&mut self) {
        self.conn = None;
    }

    /// Closes the current connection and opens a new one at once.
    pub(crate) fn reopen(&mut self) {
        self.close();
        self.open(None);
    }

    /// Queues one message, opening a connection first if there is none. Never waits: an
    /// error means the trunk is not reading (queue full) or the connection is gone.
    pub(crate) fn send(&mut self, payload: Bytes) -> Result<(), std::io::Error> {
        if self.conn.is_none() {
            self.open(None);
        }
        let sent = match &self.conn {
            Some(conn) => conn.out.try_send(payload),
            None => return Err(std::io::ErrorKind::NotConnected.into()),
        };
        sent.map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => std::io::ErrorKind::TimedOut.into(),
            mpsc::error::TrySendError::Closed(_) => std::io::ErrorKind::BrokenPipe.into(),
        })
    }

    /// The next report of the current connection (cancel safe).
    pub(crate) async fn next_event(&mut self) -> LinkEvent {
        loop {
            match self.events_rx.recv().await {
                Some((generation, event)) if generation == self.generation => return event,
                Some(_) => continue,
                // Unreachable while `self` holds a sender, but pending is the honest answer.
                None => std::future::pending().await,
            }
        }
    }
}

/// Where one connection goes and how; moved into its task.
struct Target {
    generation: u64,
    listen: SocketAddr,
    trunk: SocketAddr,
    tls: Option<Arc<TlsClient>>,
}

/// A connection's life: connect if needed, shake hands for TLS, then read, frame and write
/// until it fails.
async fn run_conn(
    target: Target,
    stream: Option<TcpStream>,
    queue: mpsc::Receiver<Bytes>,
    events: mpsc::UnboundedSender<(u64, LinkEvent)>,
) {
    let generation = target.generation;
    let tcp = match stream {
        Some(s) => Ok(s),
        None => connect_tcp(target.listen, target.trunk).await,
    };
    let end = match (tcp, &target.tls) {
        (Err(e), _) => LinkEvent::Broken(e),
        (Ok(tcp), None) => serve(generation, tcp, queue, &events).await,
        (Ok(tcp), Some(tls)) => match tls.handshake(tcp, CONNECT_TIMEOUT).await {
            Ok(stream) => serve(generation, stream, queue, &events).await,
            Err(reason) => LinkEvent::TlsFailed(reason),
        },
    };
    let _ = events.send((generation, end));
}

/// Reads, frames and writes one established stream until it fails; returns why it ended.
async fn serve<S: AsyncRead + AsyncWrite>(
    generation: u64,
    stream: S,
    mut queue: mpsc::Receiver<Bytes>,
    events: &mpsc::UnboundedSender<(u64, LinkEvent)>,
) -> LinkEvent {
    let (mut rd, mut wr) = tokio::io::split(stream);
    let writer = async {
        while let Some(payload) = queue.recv().await {
            // Flush pushes TLS records out at once (a no-op for plain TCP).
            let write = async {
                wr.write_all(&payload).await?;
                wr.flush().await
            };
            match tokio::time::timeout(WRITE_TIMEOUT, write).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return LinkEvent::Broken(e),
                Err(_) => return LinkEvent::Broken(std::io::ErrorKind::TimedOut.into()),
            }
        }
        // The driver dropped the connection; this task is being aborted.
        std::future::pending().await
    };
    let reader = async {
        let mut buf = BytesMut::with_capacity(8192);
        loop {
            match rd.read_buf(&mut buf).await {
                Ok(0) => return LinkEvent::Broken(std::io::ErrorKind::UnexpectedEof.into()),
                Ok(_) => {}
                Err(e) => return LinkEvent::Broken(e),
            }
            loop {
                match frame(&mut buf) {
                    Ok(Some(msg)) => {
                        let _ = events.send((generation, LinkEvent::Message(msg)));
                    }
                    Ok(None) => break,
                    Err(e) => return LinkEvent::Garbled(e),
                }
            }
        }
    };
    tokio::select! {
        e = writer => e,
        e = reader => e,
    }
}

/// Connects to the trunk from the `[sip] listen` address (port reuse, so a reconnect can
/// keep the same source port), with a bounded wait. When that exact address pair is still
/// held by the connection just closed (TIME_WAIT), a reconnect uses any free port instead:
/// responses travel back on the connection itself (RFC 3261 18.2.2), whatever its port.
pub(crate) async fn connect_tcp(
    listen: SocketAddr,
    trunk: SocketAddr,
) -> Result<TcpStream, std::io::Error> {
    match connect_from(listen, trunk).await {
        Err(e)
            if listen.port() != 0
                && matches!(
                    e.kind(),
                    std::io::ErrorKind::AddrInUse | std::io::ErrorKind::AddrNotAvailable
                ) =>
        {
            connect_from(SocketAddr::new(listen.ip(), 0), trunk).await
        }
        r => r,
    }
}

async fn connect_from(listen: SocketAddr, trunk: SocketAddr) -> Result<TcpStream, std::io::Error> {
    let socket = if trunk.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(listen)?;
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, socket.connect(trunk))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    stream.set_nodelay(true)?;
    Ok(stream)
}
