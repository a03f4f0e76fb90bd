//! The HTTP listener: our own accept loop over hyper's HTTP/1 connection driver, so that
//! idle clients cannot hold the daemon open (issue 11, item 4).
//!
//! `axum::serve` has no header or idle timeout and accepts until the process runs out of
//! file descriptors; a few hundred clients that send half a request line and stop would
//! then hold the API (and the sockets calls need) forever. Here every connection is in one
//! of three phases ([`ConnClock`]):
//!
//! - **head**: from accept, or from the first byte after an idle spell, until hyper has
//!   parsed the request head; it must end within `[http] header-timeout` (10 s);
//! - **body**: from the parsed head until the handler has read the request body to its
//!   end; it must end within `[http] body-timeout` (10 s) of the head, however the bytes
//!   trickle in (without it, a token holder could hold a connection, which counts as
//!   busy and so is never closed to make room, by sending one body byte a minute);
//! - **busy**: a handler is running with the whole request; the handler's own limits apply;
//! - **idle**: after the response, until the next request starts; it may last
//!   `[http] idle-timeout` (60 s) without a byte read or written.
//!
//! A connection past its deadline is closed. At most `[http] max-connections` (512) are
//! open: a new connection beyond that closes the oldest connection that is not busy (a
//! held-open attacker, since a real client sends its head and body at once), so an attacker cannot
//! lock a real client out by holding connections; when every open connection is busy
//! the new one is closed at once. Nothing waits in the kernel's accept queue behind the
//! attacker's connections. HTTP/1 only: the API's clients speak it, and HTTP/2 would need
//! its own stream limits.

use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt;
use tracing::{debug, warn};

/// How long open connections may still finish their request after shutdown began.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(10);

/// The limits of `[http]` that bound a connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// `header-timeout`: the longest a request head may take to arrive.
    pub(crate) header_timeout: Duration,
    /// `body-timeout`: the longest a request body may take to arrive after its head.
    pub(crate) body_timeout: Duration,
    /// `idle-timeout`: the longest a kept-alive connection may sit without traffic.
    pub(crate) idle_timeout: Duration,
    /// `max-connections`: open connections at most.
    pub(crate) max_connections: usize,
}

/// Where a connection is in its request cycle; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for (the rest of) a request head since `since`.
    Head { since: Instant },
    /// The head arrived at `since`; waiting for the handler to read the body to its end.
    Body { since: Instant },
    /// A handler runs.
    Busy,
    /// Between requests.
    Idle,
}

/// The timing state of one connection: fed events with the time they happened, asked
/// for the deadline. No IO and no clock, so its rules are tested in virtual time.
#[derive(Debug, Clone)]
pub(crate) struct ConnClock {
    phase: Phase,
    last_activity: Instant,
    limits: Limits,
}

impl ConnClock {
    /// A connection accepted at `now`: its first request head is due `header_timeout`
    /// later.
    pub(crate) fn new(now: Instant, limits: Limits) -> ConnClock {
        ConnClock {
            phase: Phase::Head { since: now },
            last_activity: now,
            limits,
        }
    }

    /// `n` bytes were read at `now`. The first byte after an idle spell starts a head.
    pub(crate) fn handle_read(&mut self, now: Instant, n: usize) {
        if n == 0 {
            return;
        }
        self.last_activity = now;
        if self.phase == Phase::Idle {
            self.phase = Phase::Head { since: now };
        }
    }

    /// `n` bytes were written at `now`.
    pub(crate) fn handle_write(&mut self, now: Instant, n: usize) {
        if n > 0 {
            self.last_activity = now;
        }
    }

    /// The request head was parsed at `now` and its handler called; `body_pending` when
    /// a body is still to come.
    pub(crate) fn handle_request(&mut self, now: Instant, body_pending: bool) {
        self.phase = if body_pending {
            Phase::Body { since: now }
        } else {
            Phase::Busy
        };
    }

    /// The handler has read the request body to its end.
    pub(crate) fn handle_body_end(&mut self) {
        if let Phase::Body { .. } = self.phase {
            self.phase = Phase::Busy;
        }
    }

    /// The handler returned its response at `now`.
    pub(crate) fn handle_response(&mut self, now: Instant) {
        self.phase = Phase::Idle;
        self.last_activity = now;
    }

    /// When the connection must be closed if nothing changes; `None` while busy.
    pub(crate) fn poll_deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Head { since } => Some(since + self.limits.header_timeout),
            Phase::Body { since } => Some(since + self.limits.body_timeout),
            Phase::Busy => None,
            Phase::Idle => Some(self.last_activity + self.limits.idle_timeout),
        }
    }

    /// Whether closing it would cut a request short.
    pub(crate) fn busy(&self) -> bool {
        self.phase == Phase::Busy
    }
}

type SharedClock = Arc<Mutex<ConnClock>>;

fn lock(clock: &SharedClock) -> std::sync::MutexGuard<'_, ConnClock> {
    // A poisoned clock is still a valid clock: every update is a single assignment.
    clock.lock().unwrap_or_else(|e| e.into_inner())
}

/// The socket as hyper sees it: every read and write is reported to the connection's
/// clock. A first byte after an idle spell (which moves the deadline earlier) wakes the
/// connection's watchdog in [`drive`].
struct TimedIo {
    io: TcpStream,
    clock: SharedClock,
    changed: Arc<Notify>,
}

impl AsyncRead for TimedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = result {
            let mut clock = lock(&this.clock);
            let deadline = clock.poll_deadline();
            clock.handle_read(Instant::now(), buf.filled().len() - before);
            if clock.poll_deadline() < deadline {
                this.changed.notify_one();
            }
        }
        result
    }
}

impl AsyncWrite for TimedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = result {
            lock(&this.clock).handle_write(Instant::now(), n);
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// The request body as the handler sees it: its end moves the connection's clock from
/// **body** to **busy**.
struct TimedBody {
    body: Incoming,
    clock: SharedClock,
}

impl TimedBody {
    fn ended(&self) {
        lock(&self.clock).handle_body_end();
    }
}

impl http_body::Body for TimedBody {
    type Data = bytes::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || this.body.is_end_stream() {
            this.ended();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// One open connection as the accept loop sees it.
struct Entry {
    clock: SharedClock,
    close: Arc<Notify>,
}

/// The open connections, oldest first (ids grow with each accept).
#[derive(Default)]
struct Registry {
    open: Mutex<BTreeMap<u64, Entry>>,
}

impl Registry {
    fn open(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Entry>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes room for one more connection under `max`: closes the oldest connection that
    /// is not busy if the cap is reached. False if every open connection is busy.
    fn make_room(&self, max: usize) -> bool {
        let mut open = self.open();
        if open.len() < max {
            return true;
        }
        let victim = open
            .iter()
            .find(|(_, entry)| !lock(&entry.clock).busy())
            .map(|(id, _)| *id);
        match victim.and_then(|id| open.remove(&id)) {
            Some(entry) => {
                entry.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Removes a connection from the registry when its task ends, however it ends.
struct Deregister {
    registry: Arc<Registry>,
    id: u64,
}

impl Drop for Deregister {
    fn drop(&mut self) {
        self.registry.open().remove(&self.id);
    }
}

/// Serves `app` on `listener` until `stop` turns true, then lets open connections finish
/// their request (at most [`SHUTDOWN_DRAIN`]) and returns.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let registry = Arc::new(Registry::default());
    let mut tasks = JoinSet::new();
    let mut next_id: u64 = 0;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped(&mut stop) => break,
        };
        while tasks.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                accept_failed(e).await;
                continue;
            }
        };
        if !registry.make_room(limits.max_connections) {
            debug!("every HTTP connection is busy: closing a new one");
            continue;
        }
        let id = next_id;
        next_id += 1;
        let clock = Arc::new(Mutex::new(ConnClock::new(Instant::now(), limits)));
        let close = Arc::new(Notify::new());
        registry.open().insert(
            id,
            Entry {
                clock: Arc::clone(&clock),
                close: Arc::clone(&close),
            },
        );
        let deregister = Deregister {
            registry: Arc::clone(&registry),
            id,
        };
        let connection = drive(stream, app.clone(), clock, close, stop.clone());
        tasks.spawn(async move {
            connection.await;
            drop(deregister);
        });
    }
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// Resolves once `stop` is true (or its sender is gone), holding no borrow of it.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Accept errors are about one connection or about resources (EMFILE): neither ends the
/// server. A short pause keeps an exhausted process from spinning.
async fn accept_failed(error: io::Error) {
    match error.kind() {
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset => {}
        _ => {
            warn!(%error, "HTTP accept failed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Runs one connection until it ends, times out, is closed to make room, or shutdown
/// has drained it.
async fn drive(
    stream: TcpStream,
    app: Router,
    clock: SharedClock,
    close: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let changed = Arc::new(Notify::new());
    let (service_clock, service_changed) = (Arc::clone(&clock), Arc::clone(&changed));
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        use http_body::Body as _;
        let body_pending = !request.body().is_end_stream();
        lock(&service_clock).handle_request(Instant::now(), body_pending);
        // The body deadline may fall before the head's: the watchdog looks again.
        service_changed.notify_one();
        let (clock, changed) = (Arc::clone(&service_clock), Arc::clone(&service_changed));
        let request = request.map(|body| {
            axum::body::Body::new(TimedBody {
                body,
                clock: Arc::clone(&clock),
            })
        });
        let response = app.clone().oneshot(request);
        async move {
            let response = response.await;
            lock(&clock).handle_response(Instant::now());
            changed.notify_one();
            response
        }
    });
    let io = TokioIo::new(TimedIo {
        io: stream,
        clock: Arc::clone(&clock),
        changed: Arc::clone(&changed),
    });
    let connection = hyper::server::conn::http1::Builder::new()
        // Our clock does it, for the head and the idle spell alike (hyper's would also
        // close kept-alive connections after the header timeout).
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(connection);
    // The watchdog: hyper does not read while a connection is idle (it waits for the
    // socket), so the clock's deadline is watched here, not in the reads.
    let ended = loop {
        let deadline = lock(&clock).poll_deadline();
        tokio::select! {
            result = connection.as_mut() => break Some(result),
            _ = close.notified() => break None,
            _ = changed.notified() => {}
            _ = sleep_until(deadline) => {
                if lock(&clock).poll_deadline().is_some_and(|d| d <= Instant::now()) {
                    debug!("HTTP connection closed: header, body or idle timeout");
                    break None;
                }
            }
            _ = stopped(&mut stop) => {
                connection.as_mut().graceful_shutdown();
                break tokio::select! {
                    result = tokio::time::timeout(SHUTDOWN_DRAIN, connection.as_mut()) => result.ok(),
                    _ = close.notified() => None,
                };
            }
        }
    };
    if let Some(Err(error)) = ended {
        debug!(%error, "HTTP connection ended");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        header_timeout: Duration::from_secs(10),
        body_timeout: Duration::from_secs(20),
        idle_timeout: Duration::from_secs(60),
        max_connections: 2,
    };

    #[test]
    fn a_head_is_due_header_timeout_after_accept_even_while_bytes_trickle_in() {
        let t0 = Instant::now();
        let mut clock = ConnClock::new(t0, LIMITS);
        assert_eq!(clock.poll_deadline(), Some(t0 + LIMITS.header_timeout));
        clock.handle_read(t0 + Duration::from_secs(9), 1);
        assert_eq!(clock.poll_deadline(), Some(t0 + LIMITS.header_timeout));
    }

    #[test]
    fn a_busy_connection_has_no_deadline_and_an_idle_one_the_idle_timeout() {
        let t0 = Instant::now();
        let mut clock = ConnClock::new(t0, LIMITS);
        clock.handle_request(t0, false);
        assert_eq!(clock.poll_deadline(), None);
        assert!(clock.busy());
        let t1 = t0 + Duration::from_secs(30);
        clock.handle_response(t1);
        assert_eq!(clock.poll_deadline(), Some(t1 + LIMITS.idle_timeout));
        // Writing the response keeps it alive.
        let t2 = t1 + Duration::from_secs(50);
        clock.handle_write(t2, 100);
        assert_eq!(clock.poll_deadline(), Some(t2 + LIMITS.idle_timeout));
        clock.handle_write(t2 + Duration::from_secs(5), 0);
        assert_eq!(clock.poll_deadline(), Some(t2 + LIMITS.idle_timeout));
    }

    #[test]
    fn the_first_byte_after_an_idle_spell_starts_a_new_head() {
        let t0 = Instant::now();
        let mut clock = ConnClock::new(t0, LIMITS);
        clock.handle_request(t0, false);
        clock.handle_response(t0);
        let t1 = t0 + Duration::from_secs(50);
        clock.handle_read(t1, 0);
        assert_eq!(clock.poll_deadline(), Some(t0 + LIMITS.idle_timeout));
        clock.handle_read(t1, 5);
        // Earlier than the idle deadline would have been: a head gets 10 s, not 60.
        assert_eq!(clock.poll_deadline(), Some(t1 + LIMITS.header_timeout));
        assert!(!clock.busy());
    }

    #[test]
    fn a_body_is_due_body_timeout_after_its_head_however_it_trickles_and_is_not_busy() {
        let t0 = Instant::now();
        let mut clock = ConnClock::new(t0, LIMITS);
        let head = t0 + Duration::from_secs(1);
        clock.handle_request(head, true);
        assert_eq!(clock.poll_deadline(), Some(head + LIMITS.body_timeout));
        // A body byte now and then moves nothing.
        clock.handle_read(head + Duration::from_secs(19), 1);
        assert_eq!(clock.poll_deadline(), Some(head + LIMITS.body_timeout));
        // Until the body has ended, the connection can be closed to make room.
        assert!(!clock.busy());
        clock.handle_body_end();
        assert_eq!(clock.poll_deadline(), None);
        assert!(clock.busy());
        // A body end reported again (an extra poll) changes nothing.
        clock.handle_body_end();
        assert!(clock.busy());
    }

    fn entry(registry: &Registry, id: u64, busy: bool) -> Arc<Notify> {
        let mut clock = ConnClock::new(Instant::now(), LIMITS);
        if busy {
            clock.handle_request(Instant::now(), false);
        }
        let close = Arc::new(Notify::new());
        registry.open().insert(
            id,
            Entry {
                clock: Arc::new(Mutex::new(clock)),
                close: Arc::clone(&close),
            },
        );
        close
    }

    #[tokio::test]
    async fn at_the_cap_the_oldest_connection_that_is_not_busy_makes_room() {
        let registry = Registry::default();
        entry(&registry, 0, true);
        let idle = entry(&registry, 1, false);
        assert!(registry.make_room(3), "below the cap");
        assert_eq!(registry.open().len(), 2);
        assert!(registry.make_room(2));
        assert_eq!(registry.open().keys().copied().collect::<Vec<_>>(), vec![0]);
        // The evicted connection's task is told to close.
        tokio::time::timeout(Duration::from_secs(5), idle.notified())
            .await
            .expect("the evicted connection is told to close");
        entry(&registry, 2, true);
        assert!(!registry.make_room(2), "every open connection is busy");
        assert_eq!(registry.open().len(), 2);
    }
}
