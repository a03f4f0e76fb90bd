//! The driver: pacing worker threads that send and receive for many streams, and sockets.
//!
//! Each worker is one OS thread that owns many streams' [`RtpSender`]s and [`RtpReceiver`]s
//! and a timer wheel of 0.5 ms buckets over one 20 ms packet time (a stream stays in the
//! bucket of its phase); it sleeps on its control channel until the next bucket (so a new
//! command wakes it), sends every packet of the due buckets with a non-blocking `send`, every
//! third packet also takes what the far end sent meanwhile with non-blocking receives
//! (stamped with the kernel's arrival time, see `inbox.rs`), and goes back to sleep. No task,
//! timer, epoll registration or lock exists per stream: the sockets are plain non-blocking
//! sockets that only their pacer touches. A stream's RTP socket is `connect()`ed to the far
//! end as soon as latching has settled its target, so the kernel filters strangers and sends
//! need no route lookup. Stream events reach the async side through a tokio
//! channel (`try_send`, never blocking the pacer).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc as std_mpsc};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use std::net::UdpSocket;

use tokio::sync::{mpsc, oneshot};

use crate::error::RtpError;
use crate::handle::StreamHandle;
use crate::inbox::{Inbox, enable_arrival_times, keep_arrival_times_on};
use crate::pacing::{LatenessHistogram, PacingSnapshot, PacingStats, summarize};
use crate::ports::{PortAllocator, PortRange};
use crate::priority::{
    self, GuardAction, OverloadGuard, PacerPriority, PacerScheduling, PacerState, PacketTotals,
};
use crate::receiver::{ReceiverConfig, ReceiverEvent, RtpReceiver, Verdict};
use crate::rtcp::{ReportBlock, parse_compound};
use crate::scheduler::TimerWheel;
use crate::sender::{RtpSender, SenderConfig, SenderEvent, TransmitKind};
use crate::source::FrameSource;
use crate::srtp::{SrtpInbound, SrtpOutbound};
use crate::stream::{LocalPorts, StreamConfig, StreamEvent, StreamStats};
use crate::types::PlayId;

/// Longest stretch of sending before the pacer looks at its commands again.
const MAX_PASS: Duration = Duration::from_millis(2);

/// Sends between two clock reads in a pass. The send time recorded for the pacing figures is
/// the last read, so it is at most this many sends (~4 µs each) early: below the 50 µs
/// resolution of the histograms, at an eighth of the clock reads.
const SENDS_PER_CLOCK_READ: u32 = 8;

/// A stream's RTP socket is emptied every this many packets sent (60 ms). The arrival times
/// are the kernel's, so only the latency of a key press (a few tens of ms, nothing a caller
/// notices) depends on it, while each look costs a `recvmsg` even when nothing came: every
/// packet looked at cost ~12 % more pacer CPU in the one-way load harness.
const RECEIVE_EVERY: u8 = 3;

/// Datagrams taken from a stream's RTP socket per look. A talking far end sends one per
/// 20 ms, a few more come together after network jitter; beyond this a flood stays in the
/// socket's buffer (which drops the excess) instead of eating the pacer's time.
const MAX_RECEIVE_PER_LOOK: usize = 16;

/// The RTCP socket is looked at every this many packets (200 ms): reports come every ~5 s.
const RTCP_CHECK_EVERY: u8 = 10;

/// How the media engine is set up.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Local UDP port range for RTP/RTCP pairs.
    pub ports: PortRange,
    /// Local address to bind (e.g. `0.0.0.0`, or `127.0.0.1` in tests).
    pub bind_ip: IpAddr,
    /// Pacing worker threads (streams are spread over them).
    pub workers: usize,
    /// Capacity of each stream's event channel.
    pub event_capacity: usize,
    /// How the pacing threads are scheduled (default: [`PacerPriority::Normal`]).
    ///
    /// The callee hears every scheduling delay of a pacer as jitter, while the rest of the
    /// daemon (HTTP, SIP, the store) is not in a hurry. [`PacerPriority::Realtime`] lets a
    /// pacer preempt every other thread when its bucket comes up (measured at 5,000 streams
    /// on 2 cores: p99 send-interval error 3-5 ms time-sharing, under 1 ms real-time; see
    /// docs/performance.md), guarded so an overloaded pacer drops back to time-sharing.
    pub pacer_priority: PacerPriority,
}

impl EngineConfig {
    /// Binds on all IPv4 addresses with one worker per CPU.
    pub fn new(ports: PortRange) -> Self {
        EngineConfig {
            ports,
            bind_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            workers: thread::available_parallelism().map_or(1, |n| n.get()),
            event_capacity: 64,
            pacer_priority: PacerPriority::Normal,
        }
    }
}

pub(crate) enum Command {
    Open(Box<Slot>),
    Play(u64, PlayId, Box<dyn FrameSource>),
    Stop(u64),
    Close(u64, oneshot::Sender<StreamStats>),
    /// The far end's new key: its RTP and its RTCP contexts.
    Rekey(u64, Box<[SrtpInbound; 2]>),
    Shutdown,
}

/// Whether a stream's RTP socket is `connect()`ed to the far end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    /// The target may still move (symmetric latching, early): every source reaches the
    /// receiver, which counts and drops strangers; packets go out with `sendto`.
    Unsettled,
    /// Connected to the settled target: the kernel drops strangers' datagrams and sends
    /// without a route lookup per packet.
    Connected,
    /// Settled, but `connect()` failed (say, an IPv6 target on an IPv4 socket): `sendto`
    /// as before, whose errors are counted; not tried again.
    Unconnected,
}

pub(crate) struct Slot {
    id: u64,
    sender: RtpSender,
    /// The id of the audio the sender plays, reported with its end.
    playing: Option<PlayId>,
    receiver: RtpReceiver,
    rtp: UdpSocket,
    link: Link,
    rtcp: UdpSocket,
    /// Protects RTP and RTCP on the way out (SRTP streams).
    srtp_out: Option<SrtpOutbound>,
    /// Unprotects the far end's SRTCP (its RTP is unprotected by the receiver).
    srtcp_in: Option<SrtpInbound>,
    remote: SocketAddr,
    remote_rtcp: SocketAddr,
    events: mpsc::Sender<StreamEvent>,
    send_errors: u64,
    /// When the last RTP packet left, for the send-interval figures.
    last_rtp: Option<Instant>,
    /// The far end's last report about our stream.
    remote_report: Option<ReportBlock>,
    rtcp_malformed: u64,
    /// Packets until the RTP socket is emptied again.
    receive_countdown: u8,
    /// Packets until the RTCP socket is looked at again.
    rtcp_countdown: u8,
}

struct Worker {
    slots: Vec<Option<Slot>>,
    generations: Vec<u32>,
    free: Vec<u32>,
    ids: HashMap<u64, u32>,
    wheel: TimerWheel,
    lateness: Arc<LatenessHistogram>,
    interval_error: Arc<LatenessHistogram>,
    priority: PacerPriority,
    state: Arc<PacerState>,
    /// Present while real-time scheduling is in force or may be regained.
    guard: Option<OverloadGuard>,
    inbox: Inbox,
}

impl Worker {
    /// One wake-up per 0.5 ms bucket that holds streams: read the commands, read the clock,
    /// fire the due buckets, sleep on the command channel until the next one.
    fn run(mut self, rx: std_mpsc::Receiver<Command>) {
        let realtime = priority::apply(self.priority);
        self.state.realtime.store(realtime, Ordering::Relaxed);
        if realtime {
            self.guard = Some(OverloadGuard::new());
        }
        loop {
            // Commands first, so an overloaded pacer still opens and closes streams.
            loop {
                match rx.try_recv() {
                    Ok(cmd) => {
                        if !self.command(cmd) {
                            return self.shutdown();
                        }
                    }
                    Err(std_mpsc::TryRecvError::Empty) => break,
                    Err(std_mpsc::TryRecvError::Disconnected) => return self.shutdown(),
                }
            }
            let end = self.pass();
            if let Some(action) = self
                .guard
                .as_mut()
                .and_then(|g| g.on_pass(end, priority::thread_cpu_time))
            {
                self.reschedule(action);
            }
            let cmd = match self.wheel.next_wake() {
                Some(at) => match rx.recv_timeout(at.saturating_duration_since(Instant::now())) {
                    Ok(cmd) => cmd,
                    Err(std_mpsc::RecvTimeoutError::Timeout) => continue,
                    Err(std_mpsc::RecvTimeoutError::Disconnected) => break,
                },
                None => match rx.recv() {
                    Ok(cmd) => cmd,
                    Err(_) => break,
                },
            };
            if !self.command(cmd) {
                break;
            }
        }
        self.shutdown();
    }

    /// Acts on the overload guard's verdict for this (the pacer's own) thread.
    fn reschedule(&mut self, action: GuardAction) {
        let PacerPriority::Realtime(level) = self.priority else {
            return;
        };
        match action {
            GuardAction::Demote => {
                self.state.demotions.fetch_add(1, Ordering::Relaxed);
                match priority::set_time_sharing() {
                    Ok(()) => {
                        self.state.realtime.store(false, Ordering::Relaxed);
                        tracing::error!(
                            cpu_share_above = priority::DEMOTE_ABOVE,
                            "RTP pacer overloaded: dropped from real-time to time-sharing so SIP and HTTP keep running; callees will hear jitter until the load falls"
                        );
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "RTP pacer overloaded and cannot leave real-time scheduling");
                    }
                }
            }
            GuardAction::Promote => match priority::set_realtime(level) {
                Ok(()) => {
                    self.state.realtime.store(true, Ordering::Relaxed);
                    tracing::info!("RTP pacer load is back to normal: real-time again");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "RTP pacer cannot return to real-time scheduling; it stays time-sharing");
                    self.guard = None;
                }
            },
        }
    }

    /// Fires every bucket that has started, for at most [`MAX_PASS`]; when it ended (the
    /// last clock read).
    fn pass(&mut self) -> Instant {
        let Worker {
            slots,
            generations,
            wheel,
            lateness,
            interval_error,
            inbox,
            state,
            ..
        } = self;
        let start = Instant::now();
        let mut now = start;
        let mut sends = 0u32;
        loop {
            let fired = wheel.fire_next(now, |slot, generation, due| {
                if generations[slot as usize] != generation {
                    return None;
                }
                let s = slots[slot as usize].as_mut()?;
                if sends == SENDS_PER_CLOCK_READ {
                    now = Instant::now();
                    sends = 0;
                }
                sends += 1;
                s.fire(now, due, lateness, interval_error, inbox, state)
            });
            if !fired {
                break;
            }
            now = Instant::now();
            sends = 0;
            if now - start > MAX_PASS {
                break;
            }
        }
        now
    }

    fn shutdown(&mut self) {
        let ids: Vec<u64> = self.ids.keys().copied().collect();
        for id in ids {
            self.close(id);
        }
    }

    fn command(&mut self, cmd: Command) -> bool {
        match cmd {
            Command::Open(slot) => {
                let id = slot.id;
                let next = slot.sender.poll_timeout();
                let index = match self.free.pop() {
                    Some(i) => {
                        self.slots[i as usize] = Some(*slot);
                        i
                    }
                    None => {
                        self.slots.push(Some(*slot));
                        self.generations.push(0);
                        (self.slots.len() - 1) as u32
                    }
                };
                self.ids.insert(id, index);
                if let Some(at) = next {
                    self.wheel
                        .insert(at, index, self.generations[index as usize]);
                }
            }
            Command::Play(id, play, source) => {
                if let Some(s) = self.slot(id) {
                    s.sender.play(source);
                    s.playing = Some(play);
                }
            }
            Command::Stop(id) => {
                if let Some(s) = self.slot(id) {
                    s.sender.stop_playback();
                    s.playing = None;
                }
            }
            Command::Close(id, reply) => {
                if let Some(out) = self.close(id) {
                    let _ = reply.send(out);
                }
            }
            Command::Rekey(id, keys) => {
                if let Some(s) = self.slot(id) {
                    let [rtp, rtcp] = *keys;
                    if s.receiver.rekey_srtp(rtp) {
                        s.srtcp_in = Some(rtcp);
                    }
                }
            }
            Command::Shutdown => return false,
        }
        true
    }

    fn slot(&mut self, id: u64) -> Option<&mut Slot> {
        let i = *self.ids.get(&id)?;
        self.slots[i as usize].as_mut()
    }

    fn close(&mut self, id: u64) -> Option<StreamStats> {
        let i = self.ids.remove(&id)?;
        let mut s = self.slots[i as usize].take()?;
        // Its wheel entry is now stale and is dropped when its bucket comes up.
        self.generations[i as usize] = self.generations[i as usize].wrapping_add(1);
        self.free.push(i);
        let now = Instant::now();
        s.sender.close(now);
        s.flush(&self.state);
        // What arrived since the last packet still counts; a key still held ends now.
        s.receive(now, &mut self.inbox, &self.state);
        s.check_rtcp(&mut self.inbox);
        s.receiver.finish(now);
        s.forward_receiver_events();
        Some(StreamStats {
            ssrc: Some(s.sender.ssrc()),
            sent: s.sender.stats(),
            send_errors: s.send_errors,
            received: s.receiver.stats(),
            remote_report: s.remote_report,
            rtcp_malformed: s.rtcp_malformed,
        })
    }
}

impl Slot {
    /// Runs the sender at its deadline `due` (the pass reached it at `now`, up to one wheel
    /// bucket early), sends what it queued, and returns its next deadline.
    fn fire(
        &mut self,
        now: Instant,
        due: Instant,
        lateness: &LatenessHistogram,
        interval_error: &LatenessHistogram,
        inbox: &mut Inbox,
        state: &PacerState,
    ) -> Option<Instant> {
        lateness.record(now.saturating_duration_since(due));
        // Up to one bucket early counts as on time for the sender's grid.
        self.sender.handle_timeout(now.max(due));
        if self.flush(state) {
            if let Some(prev) = self.last_rtp {
                interval_error.record((now - prev).abs_diff(crate::types::PTIME));
            }
            self.last_rtp = Some(now);
        }
        while let Some(ev) = self.sender.poll_event() {
            match ev {
                SenderEvent::PlaybackFinished => {
                    if let Some(id) = self.playing.take() {
                        self.notify(StreamEvent::PlaybackFinished(id));
                    }
                }
            }
        }
        self.receive_countdown = self.receive_countdown.saturating_sub(1);
        if self.receive_countdown == 0 {
            self.receive_countdown = RECEIVE_EVERY;
            self.receive(now, inbox, state);
        }
        self.rtcp_countdown = self.rtcp_countdown.saturating_sub(1);
        if self.rtcp_countdown == 0 {
            self.rtcp_countdown = RTCP_CHECK_EVERY;
            self.check_rtcp(inbox);
        }
        self.sender.poll_timeout()
    }

    /// Feeds what the far end sent since the last look to the receiver, with the kernel's
    /// arrival times, and passes its news on.
    fn receive(&mut self, now: Instant, inbox: &mut Inbox, state: &PacerState) {
        for _ in 0..MAX_RECEIVE_PER_LOOK {
            match inbox.take(&self.rtp) {
                // Garbage and strangers are counted by the receiver and dropped.
                Ok(Some(a)) => match self.receiver.handle_datagram(a.at, a.from, a.data) {
                    Ok(Verdict::Accepted) => PacerState::count(&state.rtp_received),
                    Ok(Verdict::WrongSource) => PacerState::count(&state.rtp_rejected_source),
                    Ok(Verdict::WrongPayloadType) | Err(_) => {}
                },
                Ok(None) => break,
                // An ICMP error from an earlier send (say, port unreachable) is reported
                // once; the datagrams behind it are still there.
                Err(_) => continue,
            }
        }
        if self.receiver.poll_timeout().is_some_and(|at| at <= now) {
            self.receiver.handle_timeout(now);
        }
        self.forward_receiver_events();
        self.connect_when_settled(now);
    }

    /// Connects the RTP socket once the target can no longer move (strict: at once;
    /// symmetric: after the first packet from the SDP address, the one re-target, or the end
    /// of the window). From then on the kernel drops strangers before they cost the pacer a
    /// receive, and each send skips the route lookup of `sendto`. Only strangers that came
    /// before are counted as rejected.
    fn connect_when_settled(&mut self, now: Instant) {
        if self.link != Link::Unsettled || !self.receiver.is_settled(now) {
            return;
        }
        self.link = match self.rtp.connect(self.remote) {
            Ok(()) => Link::Connected,
            Err(_) => Link::Unconnected,
        };
    }

    /// Takes the far end's RTCP: its report about our stream, and BYE.
    fn check_rtcp(&mut self, inbox: &mut Inbox) {
        for _ in 0..MAX_RECEIVE_PER_LOOK {
            let a = match inbox.take(&self.rtcp) {
                Ok(Some(a)) => a,
                Ok(None) => break,
                Err(_) => continue,
            };
            let plain;
            let data = match self.srtcp_in.as_mut().map(|s| s.unprotect_rtcp(a.data)) {
                None => a.data,
                Some(Ok(p)) => {
                    plain = p;
                    &plain[..]
                }
                Some(Err(_)) => {
                    self.rtcp_malformed += 1;
                    continue;
                }
            };
            match parse_compound(data, self.sender.ssrc()) {
                Ok(summary) => {
                    if summary.report.is_some() {
                        self.remote_report = summary.report;
                    }
                    if summary.bye {
                        self.notify(StreamEvent::RemoteBye);
                    }
                }
                Err(_) => self.rtcp_malformed += 1,
            }
        }
    }

    fn forward_receiver_events(&mut self) {
        while let Some(ev) = self.receiver.poll_event() {
            let ev = match ev {
                ReceiverEvent::Latched(addr) => {
                    self.retarget(addr);
                    StreamEvent::RemoteLatched(addr)
                }
                ReceiverEvent::Dtmf(d) => StreamEvent::Dtmf(d),
            };
            self.notify(ev);
        }
    }

    /// Symmetric latching re-targeted to `remote` (once): send there from now on.
    fn retarget(&mut self, remote: SocketAddr) {
        self.remote = remote;
        self.remote_rtcp = SocketAddr::new(remote.ip(), remote.port().wrapping_add(1));
    }

    fn notify(&self, ev: StreamEvent) {
        // A closed channel means nobody listens any more; only a full one loses news.
        if let Err(mpsc::error::TrySendError::Full(_)) = self.events.try_send(ev) {
            tracing::warn!(stream = self.id, event = ?ev, "stream event channel full, event dropped");
        }
    }

    /// Sends what the sender has queued; whether an RTP packet was among it.
    fn flush(&mut self, state: &PacerState) -> bool {
        let mut rtp = false;
        while let Some(t) = self.sender.poll_transmit() {
            rtp |= t.kind == TransmitKind::Rtp;
            let protected;
            let data = match self.srtp_out.as_mut().map(|s| s.protect(t.kind, t.data)) {
                None => t.data,
                Some(Ok(p)) => {
                    protected = p;
                    &protected[..]
                }
                // Never sent in clear.
                Some(Err(_)) => {
                    self.send_errors += 1;
                    continue;
                }
            };
            // A full buffer or an unreachable peer costs this packet only; the loop goes on
            // to the other streams.
            let sent = match t.kind {
                TransmitKind::Rtp if self.link == Link::Connected => self.rtp.send(data),
                TransmitKind::Rtp => self.rtp.send_to(data, self.remote),
                TransmitKind::Rtcp => self.rtcp.send_to(data, self.remote_rtcp),
            };
            match sent {
                Ok(_) if t.kind == TransmitKind::Rtp => PacerState::count(&state.rtp_sent),
                Ok(_) => {}
                Err(_) => self.send_errors += 1,
            }
        }
        rtp
    }
}

struct WorkerHandle {
    tx: std_mpsc::Sender<Command>,
    thread: Option<thread::JoinHandle<()>>,
}

/// The RTP side of the daemon: a port allocator, pacing workers, and the streams.
pub struct MediaEngine {
    workers: Vec<WorkerHandle>,
    lateness: Vec<Arc<LatenessHistogram>>,
    interval_error: Vec<Arc<LatenessHistogram>>,
    pacers: Vec<Arc<PacerState>>,
    /// Keeps the kernel's arrival stamps on for the engine's life (see `inbox.rs`).
    _arrival_times: UdpSocket,
    ports: PortAllocator,
    bind_ip: IpAddr,
    event_capacity: usize,
    next_worker: AtomicUsize,
    next_id: AtomicU64,
}

impl std::fmt::Debug for MediaEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaEngine")
            .field("workers", &self.workers.len())
            .field("ports", &self.ports.range())
            .finish()
    }
}

impl MediaEngine {
    /// Starts the pacing workers.
    pub fn start(config: EngineConfig) -> Result<MediaEngine, RtpError> {
        let arrival_times = keep_arrival_times_on(config.bind_ip)
            .map_err(|source| RtpError::Socket { port: 0, source })?;
        let n = config.workers.max(1);
        let mut workers = Vec::with_capacity(n);
        let mut lateness = Vec::with_capacity(n);
        let mut interval_error = Vec::with_capacity(n);
        let mut pacers = Vec::with_capacity(n);
        for i in 0..n {
            let (tx, rx) = std_mpsc::channel();
            let histogram = Arc::new(LatenessHistogram::new());
            lateness.push(Arc::clone(&histogram));
            let intervals = Arc::new(LatenessHistogram::new());
            interval_error.push(Arc::clone(&intervals));
            let state = Arc::new(PacerState::default());
            let worker = Worker {
                lateness: histogram,
                interval_error: intervals,
                slots: Vec::new(),
                generations: Vec::new(),
                free: Vec::new(),
                ids: HashMap::new(),
                wheel: TimerWheel::new(Instant::now()),
                priority: config.pacer_priority,
                state: Arc::clone(&state),
                guard: None,
                inbox: Inbox::new(),
            };
            pacers.push(state);
            let thread = thread::Builder::new()
                .name(format!("rtp-pacer-{i}"))
                .spawn(move || worker.run(rx))
                .map_err(|source| RtpError::Socket { port: 0, source })?;
            workers.push(WorkerHandle {
                tx,
                thread: Some(thread),
            });
        }
        Ok(MediaEngine {
            workers,
            lateness,
            interval_error,
            pacers,
            _arrival_times: arrival_times,
            ports: PortAllocator::new(config.ports),
            bind_ip: config.bind_ip,
            event_capacity: config.event_capacity.max(1),
            next_worker: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
        })
    }

    /// How late and how evenly the pacing workers have been sending, since start.
    pub fn pacing_stats(&self) -> PacingStats {
        PacingStats {
            lateness: summarize(&self.lateness),
            send_interval_error: summarize(&self.interval_error),
        }
    }

    /// The raw pacing counts now; [`PacingSnapshot::since`] an earlier one gives the figures
    /// of a window (say, after the streams have started).
    pub fn pacing_snapshot(&self) -> PacingSnapshot {
        PacingSnapshot::take(&self.lateness, &self.interval_error)
    }

    /// RTP packets sent and accepted on receive by every stream since the engine started,
    /// live streams included (for a metrics scrape while calls run).
    pub fn packet_totals(&self) -> PacketTotals {
        PacerState::packet_totals(&self.pacers)
    }

    /// How the pacing threads are scheduled now: how many run real-time, and how often the
    /// overload guard has dropped one to time-sharing.
    pub fn pacer_scheduling(&self) -> PacerScheduling {
        PacerState::summarize(&self.pacers)
    }

    /// The engine's port allocator (for its figures).
    pub fn ports(&self) -> &PortAllocator {
        &self.ports
    }

    /// Allocates an even/odd port pair and binds both sockets, skipping pairs another
    /// program holds. Fails with [`RtpError::PortsExhausted`] when the range is used up.
    pub fn reserve(&self) -> Result<LocalPorts, RtpError> {
        let mut last_err = None;
        for _ in 0..self.ports.range().pairs() {
            let pair = self.ports.allocate()?;
            let bind = |port| {
                let s = std::net::UdpSocket::bind(SocketAddr::new(self.bind_ip, port))?;
                s.set_nonblocking(true)?;
                Ok::<_, std::io::Error>(s)
            };
            match (bind(pair.rtp()), bind(pair.rtcp())) {
                (Ok(rtp), Ok(rtcp)) => return Ok(LocalPorts { pair, rtp, rtcp }),
                (Err(source), _) | (_, Err(source)) => {
                    let port = pair.rtp();
                    // Hold the busy pair until the loop ends so the allocator moves on.
                    last_err = Some((RtpError::Socket { port, source }, pair));
                }
            }
        }
        Err(last_err.map_or(
            RtpError::PortsExhausted {
                low: self.ports.range().low(),
                high: self.ports.range().high(),
                pairs: self.ports.range().pairs(),
            },
            |(e, _)| e,
        ))
    }

    /// Starts a stream: silence flows to `config.remote` at once (20 ms pacing) until
    /// something is played. (`async` for the callers' sake; it does not wait on anything.)
    pub async fn open_stream(
        &self,
        config: StreamConfig,
    ) -> Result<(StreamHandle, mpsc::Receiver<StreamEvent>), RtpError> {
        let StreamConfig {
            local,
            remote,
            remote_rtcp,
            codec,
            payload_type,
            telephone_event,
            seed,
            latching,
            srtp,
        } = config;
        let LocalPorts { pair, rtp, rtcp } = local;
        let port = pair.rtp();
        let socket_err = |source| RtpError::Socket { port, source };
        enable_arrival_times(&rtp).map_err(socket_err)?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let w = self.next_worker.fetch_add(1, Ordering::Relaxed) % self.workers.len();
        let worker = self.workers[w].tx.clone();
        let (events_tx, events_rx) = mpsc::channel(self.event_capacity);
        let now = Instant::now();
        let mut sender_config = SenderConfig::new(codec, payload_type, seed);
        sender_config.wall_clock = SystemTime::now();
        let sender = RtpSender::new(sender_config, now);
        let mut receiver = RtpReceiver::new(
            ReceiverConfig {
                codec,
                payload_type,
                telephone_event,
                remote,
                latching,
            },
            now,
        );
        let remote_key = srtp.as_ref().map(|s| (s.suite, s.remote.clone()));
        let (srtp_out, srtcp_in) = match srtp {
            Some(s) => {
                receiver = receiver.with_srtp(s.inbound_rtp);
                (Some(s.outbound), Some(s.inbound_rtcp))
            }
            None => (None, None),
        };
        let mut slot = Slot {
            id,
            sender,
            receiver,
            rtp,
            link: Link::Unsettled,
            rtcp,
            srtp_out,
            srtcp_in,
            remote,
            remote_rtcp: remote_rtcp
                .unwrap_or(SocketAddr::new(remote.ip(), remote.port().wrapping_add(1))),
            events: events_tx,
            playing: None,
            send_errors: 0,
            last_rtp: None,
            remote_report: None,
            rtcp_malformed: 0,
            receive_countdown: RECEIVE_EVERY,
            rtcp_countdown: RTCP_CHECK_EVERY,
        };
        // A strict stream is settled from the start.
        slot.connect_when_settled(now);
        worker
            .send(Command::Open(Box::new(slot)))
            .map_err(|_| RtpError::EngineStopped)?;
        Ok((
            StreamHandle::new(id, codec, now, worker, pair, remote_key),
            events_rx,
        ))
    }
}

impl Drop for MediaEngine {
    fn drop(&mut self) {
        for w in &mut self.workers {
            let _ = w.tx.send(Command::Shutdown);
            if let Some(t) = w.thread.take() {
                // The worker only has to send BYEs for what is left; it exits promptly.
                let _ = t.join();
            }
        }
    }
}
