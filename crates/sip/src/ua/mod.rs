//! The sans-IO user agent: the façade with the public `handle_*`/`poll_*` methods, and the
//! per-call bookkeeping they share (deadlines, terminal events, reaping).
//!
//! The protocol is in the submodules, split the way ezk separates transactions from dialogs:
//! - `invite_client`: the INVITE client transaction, timers A, B and D;
//! - `non_invite_client`: BYE, CANCEL, INFO and OPTIONS transactions, timers E, F and K;
//! - `dialog`: the far end's requests, our answers and our in-dialog requests;
//! - `auth`: the digest challenge flow;
//! - `headers`: message building; `timer`: the typed timer table; `call`: a call's state.

mod auth;
mod call;
mod dialog;
mod headers;
mod invite_client;
mod non_invite_client;
mod timer;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zeroize::Zeroizing;

use crate::error::SipError;
use crate::message::{SipMessage, StartLine, parse_message};
use crate::net::NetworkList;
use crate::sdes::{CryptoAttribute, NegotiatedSrtp};
use crate::sdp::{NegotiatedMedia, NegotiationError, SessionDescription, check_media_address};
use crate::types::{
    CallId, CallKey, CallRequest, EndReason, FailReason, SipEvent, Transmit, UaConfig,
};

use call::{Call, CallIdentity, Phase};
use headers::via_line;
use non_invite_client::{NonInviteTx, Purpose};

const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE";

/// The SIP user agent core. Feed it datagrams and timeouts, drain transmits and events.
///
/// It owns every call's INVITE and non-INVITE client transactions and dialogs, answers the far
/// end's in-dialog requests, and never touches a socket or a clock.
#[derive(Debug)]
pub struct UserAgent {
    config: UaConfig,
    rng: StdRng,
    next_key: u64,
    calls: BTreeMap<CallKey, Call>,
    by_call_id: HashMap<String, CallKey>,
    /// Each held call's earliest timer, so timeouts touch only due calls (a call is held for
    /// 64*T1 after it ends, so there are ~32 s worth of calls here at any rate). Lazily
    /// invalidated: an entry counts only while it equals its call's `scheduled`; the top is
    /// kept valid after every public `&mut self` method so `poll_timeout` can read it as is.
    deadlines: BinaryHeap<Reverse<(Instant, CallKey)>>,
    timer_checks: u64,
    transmits: VecDeque<Transmit>,
    events: VecDeque<SipEvent>,
    keepalive_at: Option<Instant>,
    options: Vec<NonInviteTx>,
    malformed: u64,
    /// Where far ends may put their media ([`check_media_address`]).
    peer_networks: NetworkList,
}

impl UserAgent {
    /// Creates a user agent.
    pub fn new(config: UaConfig) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        UserAgent {
            config,
            rng,
            next_key: 1,
            calls: BTreeMap::new(),
            by_call_id: HashMap::new(),
            deadlines: BinaryHeap::new(),
            timer_checks: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            keepalive_at: None,
            options: Vec::new(),
            malformed: 0,
            peer_networks: NetworkList::any(),
        }
    }

    /// Restricts where far ends may put their media (default: anywhere unicast). An answer
    /// with a `c=` address outside `networks` fails the call; a re-INVITE or UPDATE moving
    /// the media there is refused with 488.
    pub fn with_peer_networks(mut self, networks: NetworkList) -> Self {
        self.peer_networks = networks;
        self
    }

    /// The configuration in use.
    pub fn config(&self) -> &UaConfig {
        &self.config
    }

    /// Number of datagrams dropped because they did not parse.
    pub fn malformed_count(&self) -> u64 {
        self.malformed
    }

    /// The SIP Call-ID of a call still holding state.
    pub fn call_id(&self, key: CallKey) -> Option<CallId> {
        self.calls.get(&key).map(|c| CallId(c.call_id.clone()))
    }

    /// Number of calls still holding state (including ones only finishing transactions).
    pub fn active_calls(&self) -> usize {
        self.calls.len()
    }

    /// Number of calls examined for due timers so far: a measure of timer work that capacity
    /// tests can bound (it grows with the calls actually due, not with the calls held).
    pub fn timer_checks(&self) -> u64 {
        self.timer_checks
    }

    fn token(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n * 2);
        for _ in 0..n {
            let _ = write!(s, "{:02x}", self.rng.random::<u8>());
        }
        s
    }

    fn new_branch(&mut self) -> String {
        format!("z9hG4bK{}", self.token(8))
    }

    fn t1(&self) -> Duration {
        self.config.timers.t1
    }

    fn reliable(&self) -> bool {
        self.config.transport.is_reliable()
    }

    fn via(&self, branch: &str) -> String {
        via_line(self.config.transport, self.config.local_addr, branch)
    }

    fn contact(&self, user: &str) -> String {
        let t = self.config.transport.uri_param();
        format!("<sip:{user}@{}{t}>", self.config.local_addr)
    }

    fn transmit(&mut self, destination: SocketAddr, payload: Bytes) {
        self.transmits.push_back(Transmit {
            destination,
            transport: self.config.transport,
            payload,
        });
    }

    /// Starts a call: builds and queues the INVITE. The result arrives as events.
    pub fn start_call(&mut self, now: Instant, req: CallRequest) -> CallKey {
        let key = CallKey(self.next_key);
        self.next_key += 1;
        let Some(trunk) = req.trunk.clone().or_else(|| self.config.trunk.clone()) else {
            self.events.push_back(SipEvent::Failed {
                key,
                reason: FailReason::NoTrunk,
            });
            return key;
        };
        let call_id = format!("{}@voice-otp", self.token(12));
        let local_tag = self.token(8);
        let transport_param = self.config.transport.uri_param();
        let domain = &self.config.from_domain;
        let from = if req.anonymous {
            format!("\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag={local_tag}")
        } else {
            format!("<sip:{}@{domain}>;tag={local_tag}", req.caller)
        };
        let session_id = u64::from(self.rng.random::<u32>());
        let media = &req.media;
        let offer = SessionDescription::offer(
            session_id,
            media.rtp,
            &media.codecs,
            media.telephone_event_pt,
            media.ptime,
        );
        let offer = match &media.srtp {
            Some(srtp) => offer.with_srtp(&srtp.crypto),
            None => offer,
        };
        let id = CallIdentity {
            call_id: call_id.clone(),
            request_uri: format!("sip:{}@{}{transport_param}", req.callee, trunk.host),
            to: format!("<sip:{}@{}>", req.callee, trunk.host),
            local_tag,
            from,
            offer: Zeroizing::new(offer.to_text()),
        };
        self.by_call_id.insert(call_id, key);
        self.calls.insert(key, Call::new(key, req, trunk, id));
        self.send_invite(now, key);
        self.reschedule(key);
        self.tidy_deadlines();
        key
    }

    /// Re-reads a call's earliest timer after anything may have changed it.
    fn reschedule(&mut self, key: CallKey) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let next = call.deadline();
        if next != call.scheduled {
            call.scheduled = next;
            if let Some(at) = next {
                self.deadlines.push(Reverse((at, key)));
            }
        }
    }

    /// Drops stale entries off the top of the deadline heap so its top is the true earliest.
    fn tidy_deadlines(&mut self) {
        while let Some(&Reverse((at, key))) = self.deadlines.peek() {
            if self
                .calls
                .get(&key)
                .is_some_and(|c| c.scheduled == Some(at))
            {
                break;
            }
            self.deadlines.pop();
        }
    }

    /// Cancels a call: CANCEL while ringing (queued until a provisional response arrives), BYE
    /// if already answered. Unknown or finished calls are ignored.
    pub fn cancel(&mut self, now: Instant, key: CallKey) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        match call.phase {
            Phase::Inviting => {
                call.cancel_requested = true;
                self.maybe_send_cancel(now, key);
            }
            Phase::Answered => self.send_bye(now, key, EndReason::LocalBye { code: None }),
            Phase::Closing => {}
        }
        self.reschedule(key);
        self.tidy_deadlines();
    }

    /// Hangs up: BYE when answered; before the answer this is the same as [`Self::cancel`].
    pub fn hangup(&mut self, now: Instant, key: CallKey) {
        self.cancel(now, key);
    }

    /// Sends INFO in an answered call's dialog.
    pub fn send_info(
        &mut self,
        now: Instant,
        key: CallKey,
        content_type: &str,
        body: &[u8],
    ) -> Result<(), SipError> {
        let call = self.calls.get(&key).ok_or(SipError::NoSuchCall)?;
        if call.phase != Phase::Answered {
            return Err(SipError::InvalidState("INFO needs an answered call"));
        }
        let tag = call.dialog.as_ref().map(|d| d.remote_tag.clone());
        let Some(tag) = tag else {
            return Err(SipError::InvalidState("no dialog"));
        };
        let body = Some((content_type, body));
        self.send_in_dialog(now, key, "INFO", Purpose::Info, &tag, body);
        self.reschedule(key);
        self.tidy_deadlines();
        Ok(())
    }

    /// Reports a call's one terminal event (later ones are dropped).
    fn emit_terminal(&mut self, key: CallKey, event: SipEvent) {
        if let Some(call) = self.calls.get_mut(&key) {
            if call.terminal_sent {
                return;
            }
            call.terminal_sent = true;
            call.pending_end = None;
            call.phase = Phase::Closing;
        }
        self.events.push_back(event);
    }

    /// Our main BYE completed (with `code`, or `None` on timer F): report the pending end.
    fn finish_bye(&mut self, key: CallKey, code: Option<u16>) {
        let pending = self.calls.get_mut(&key).and_then(|c| c.pending_end.take());
        if let Some(reason) = pending {
            let reason = match reason {
                EndReason::LocalBye { .. } => EndReason::LocalBye { code },
                other => other,
            };
            self.emit_terminal(key, SipEvent::Ended { key, reason });
        }
    }

    /// Drops a call once its terminal event is out and no transaction needs it any more.
    fn reap(&mut self, key: CallKey) {
        let done = self
            .calls
            .get(&key)
            .is_some_and(|c| c.terminal_sent && c.invites.is_empty() && c.non_invites.is_empty());
        if done && let Some(call) = self.calls.remove(&key) {
            self.by_call_id.remove(&call.call_id);
        }
    }

    /// Next transmit for the driver, if any.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// Next event, if any.
    pub fn poll_event(&mut self) -> Option<SipEvent> {
        self.events.pop_front()
    }

    /// Earliest deadline at which [`Self::handle_timeout`] must be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let calls = self.deadlines.peek().map(|Reverse((at, _))| *at);
        let options = self.options.iter().map(|tx| tx.timers.next_timeout());
        [self.keepalive_at, calls]
            .into_iter()
            .chain(options)
            .flatten()
            .min()
    }

    /// Starts (or restarts) the OPTIONS keepalive schedule; the first OPTIONS goes out now.
    pub fn start_keepalive(&mut self, now: Instant) {
        if self.config.keepalive.is_some() && self.config.trunk.is_some() {
            self.keepalive_at = Some(now);
            self.handle_timeout(now);
        }
    }

    /// Tells the core the transport to `destination` failed (TCP connect refused, reset):
    /// every transaction towards it fails as if it had timed out.
    pub fn handle_transport_error(&mut self, _now: Instant, destination: SocketAddr) {
        self.fail_transport(destination, FailReason::TransportError);
    }

    /// Tells the core the TLS connection to `destination` could not be set up (certificate
    /// not trusted, handshake failed): calls not yet answered fail with `reason`, answered
    /// ones end as after any transport error.
    pub fn handle_tls_error(&mut self, _now: Instant, destination: SocketAddr, reason: String) {
        self.fail_transport(destination, FailReason::Tls { reason });
    }

    /// Ends every call towards `destination`: `Failed { fail }` before the answer, `Ended`
    /// with a transport error after it.
    fn fail_transport(&mut self, destination: SocketAddr, fail: FailReason) {
        let keys: Vec<CallKey> = self
            .calls
            .values()
            .filter(|c| c.trunk.addr == destination)
            .map(|c| c.key)
            .collect();
        for key in keys {
            let answered = self
                .calls
                .get(&key)
                .is_some_and(|c| c.phase != Phase::Inviting && c.dialog.is_some());
            let ended = if answered {
                SipEvent::Ended {
                    key,
                    reason: EndReason::TransportError,
                }
            } else {
                SipEvent::Failed {
                    key,
                    reason: fail.clone(),
                }
            };
            self.emit_terminal(key, ended);
            if let Some(call) = self.calls.remove(&key) {
                self.by_call_id.remove(&call.call_id);
            }
        }
        self.tidy_deadlines();
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.keepalive_timeouts(now);
        // Key order, as when every call was walked, so output order is unchanged.
        let mut due = Vec::new();
        while let Some(&Reverse((at, key))) = self.deadlines.peek() {
            if at > now {
                break;
            }
            self.deadlines.pop();
            if self
                .calls
                .get(&key)
                .is_some_and(|c| c.scheduled == Some(at))
            {
                due.push(key);
            }
        }
        due.sort_unstable();
        due.dedup();
        for key in due {
            self.timer_checks += 1;
            if let Some(call) = self.calls.get_mut(&key) {
                // Its entry is gone from the heap; `reschedule` must push a fresh one.
                call.scheduled = None;
            }
            self.call_timeouts(now, key);
            self.reschedule(key);
        }
        self.tidy_deadlines();
    }

    /// Fires one call's due timers and reports what they ended.
    fn call_timeouts(&mut self, now: Instant, key: CallKey) {
        let Some(mut call) = self.calls.remove(&key) else {
            return;
        };
        let expiry = self.invite_timeouts(now, &mut call);
        let bye_timed_out = self.non_invite_timeouts(now, &mut call);
        let cancelled = call.cancel_requested;
        self.calls.insert(key, call);
        if expiry.timed_out {
            let ev = if cancelled {
                SipEvent::Ended {
                    key,
                    reason: EndReason::Cancelled { code: None },
                }
            } else {
                SipEvent::Failed {
                    key,
                    reason: FailReason::Timeout,
                }
            };
            self.emit_terminal(key, ev);
        }
        if expiry.cancel_gave_up {
            let reason = EndReason::Cancelled { code: None };
            self.emit_terminal(key, SipEvent::Ended { key, reason });
        }
        if bye_timed_out {
            self.finish_bye(key, None);
        }
        self.reap(key);
    }

    /// Feeds one received SIP message (a UDP datagram, or one framed TCP message).
    ///
    /// Garbage is counted in [`Self::malformed_count`] and dropped.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        if data.iter().all(|b| b.is_ascii_whitespace()) {
            // RFC 5626 keepalive (CRLF) or padding.
            return;
        }
        let msg = match parse_message(data) {
            Ok(m) => m,
            Err(e) => {
                self.malformed += 1;
                tracing::debug!(%from, error = %e, "dropping malformed SIP message");
                return;
            }
        };
        let key = msg.call_id().and_then(|c| self.by_call_id.get(c)).copied();
        match msg.start {
            StartLine::Response { code, .. } => self.handle_response(now, code, &msg),
            StartLine::Request { .. } => self.handle_request(from, &msg),
        }
        if let Some(key) = key {
            self.reschedule(key);
        }
        self.tidy_deadlines();
    }

    /// A response: to a keepalive OPTIONS, or to a request of one of our calls.
    fn handle_response(&mut self, now: Instant, code: u16, msg: &SipMessage) {
        let (Some(branch), Some((cseq, method))) = (msg.top_branch(), msg.cseq()) else {
            return;
        };
        let method = method.to_ascii_uppercase();
        if method == "OPTIONS" && self.options_response(now, code, branch) {
            return;
        }
        let Some(&key) = msg.call_id().and_then(|c| self.by_call_id.get(c)) else {
            return;
        };
        if method == "INVITE" {
            self.invite_response(now, key, code, (branch, cseq), msg);
        } else {
            self.non_invite_response(now, key, code, branch, &method, msg);
        }
        self.reap(key);
    }
}

fn reason_of(msg: &SipMessage) -> String {
    match &msg.start {
        StartLine::Response { reason, .. } => reason.clone(),
        StartLine::Request { .. } => String::new(),
    }
}

/// The far end's SDP as media we can use: a codec we offered, at an address media may go to.
fn negotiate(
    body: &[u8],
    req: &CallRequest,
    peers: &NetworkList,
) -> Result<NegotiatedMedia, NegotiationError> {
    if body.is_empty() {
        return Err(NegotiationError::NoAnswer);
    }
    let sdp = SessionDescription::parse(body).map_err(|_| NegotiationError::NoAnswer)?;
    let media = sdp.negotiate_with_srtp(&req.media.codecs, req.media.srtp.as_ref())?;
    check_media_address(media.remote_rtp.ip(), peers)?;
    Ok(media)
}

/// The far end's new offer in a call whose media is SRTP (see
/// [`SessionDescription::negotiate_srtp_reoffer`]), and our answer to it: our offer with the
/// one `a=crypto` line it accepts (their tag, our suite and key) and the next `o=` version.
fn srtp_reoffer(
    body: &[u8],
    call: &Call,
    current: &NegotiatedSrtp,
    peers: &NetworkList,
) -> Result<(NegotiatedMedia, Zeroizing<String>), NegotiationError> {
    let sdp = SessionDescription::parse(body).map_err(|_| NegotiationError::NoAnswer)?;
    let (media, tag) = sdp.negotiate_srtp_reoffer(&call.req.media.codecs, current)?;
    check_media_address(media.remote_rtp.ip(), peers)?;
    let mut ours =
        SessionDescription::parse(call.offer.as_bytes()).map_err(|_| NegotiationError::NoAnswer)?;
    ours.session_version += 1;
    let line = CryptoAttribute {
        tag,
        suite: current.suite,
        key: current.local.clone(),
    };
    let answer = ours.with_srtp(&[line]);
    Ok((media, Zeroizing::new(answer.to_text())))
}

/// Builds the INVITE a call would start with, without keeping any state; used by the bench.
pub fn build_invite(config: &UaConfig, req: CallRequest) -> Bytes {
    let mut ua = UserAgent::new(config.clone());
    ua.start_call(Instant::now(), req);
    ua.poll_transmit().map(|t| t.payload).unwrap_or_default()
}
