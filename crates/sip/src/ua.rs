//! The sans-IO user agent: client transactions, dialogs, far-end requests.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::auth::Challenge;
use crate::error::SipError;
use crate::message::{SipMessage, StartLine, addr_params, addr_uri, param, parse_message};
use crate::net::NetworkList;
use crate::sdp::{
    NegotiatedMedia, NegotiationError, SessionDescription, check_media_address,
};
use crate::types::{
    CallId, CallKey, CallRequest, EndReason, FailReason, SipEvent, Transmit, Transport,
    TrunkTarget, UaConfig,
};

const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE";
/// Give up on auth after this many challenges in one call, whatever the nonces.
const MAX_AUTH_ROUNDS: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InviteState {
    Calling,
    Proceeding,
    /// Non-2xx final received and ACKed; timer D absorbs retransmissions.
    Completed,
    /// RFC 6026: 2xx received; stay to match retransmitted 2xx for 64*T1.
    Accepted,
    Terminated,
}

#[derive(Debug)]
struct InviteTx {
    branch: String,
    cseq: u32,
    request: Bytes,
    state: InviteState,
    /// Timer A (retransmit) and its current interval.
    timer_a: Option<(Instant, Duration)>,
    timer_b: Option<Instant>,
    /// Timer D, or the RFC 6026 Accepted-state timer L.
    timer_d: Option<Instant>,
    /// ACK for a non-2xx final, resent on retransmissions of that final.
    ack: Option<Bytes>,
    /// Give up on a cancelled INVITE that never gets a final response (RFC 3261 9.1).
    cancel_guard: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NonInviteState {
    Trying,
    Proceeding,
    Completed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Purpose {
    /// BYE of the main dialog (ends the call when done).
    Bye,
    /// BYE of an extra (forked) dialog.
    ForkBye,
    Cancel,
    Info,
    Options,
}

#[derive(Debug)]
struct NonInviteTx {
    branch: String,
    method: &'static str,
    purpose: Purpose,
    request: Bytes,
    destination: SocketAddr,
    state: NonInviteState,
    timer_e: Option<(Instant, Duration)>,
    timer_f: Option<Instant>,
    timer_k: Option<Instant>,
    /// For BYE: the dialog's To tag, so an auth retry can rebuild it.
    dialog_tag: Option<String>,
    auth_retried: bool,
}

#[derive(Debug, Clone)]
struct Dialog {
    remote_tag: String,
    remote_target: String,
    route_set: Vec<String>,
    /// ACK for the 2xx, resent whenever the 2xx is retransmitted.
    ack: Bytes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Inviting,
    Answered,
    /// Terminal event emitted (or pending on our BYE); only transactions remain.
    Closing,
}

#[derive(Debug)]
struct Call {
    key: CallKey,
    req: CallRequest,
    trunk: TrunkTarget,
    call_id: String,
    local_tag: String,
    request_uri: String,
    from: String,
    to: String,
    next_cseq: u32,
    offer: String,
    invites: Vec<InviteTx>,
    non_invites: Vec<NonInviteTx>,
    phase: Phase,
    dialog: Option<Dialog>,
    extra_dialogs: Vec<Dialog>,
    cancel_requested: bool,
    cancel_sent: bool,
    terminal_sent: bool,
    /// Ended reason to emit once our BYE completes.
    pending_end: Option<EndReason>,
    /// The challenge being answered and the header name to answer it in.
    challenge: Option<(&'static str, Challenge)>,
    /// Credentials sent with the current INVITE (repeated in the ACK for its 2xx).
    invite_auth: Option<(&'static str, String)>,
    auth_rounds: u32,
    last_nonce: Option<String>,
    nonce_count: u32,
    last_media: Option<NegotiatedMedia>,
    /// The deadline this call has in [`UserAgent::deadlines`]; other entries for it are stale.
    scheduled: Option<Instant>,
}

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
        self.config.transport == Transport::Tcp
    }

    fn via(&self, branch: &str) -> String {
        via_line(self.config.transport, self.config.local_addr, branch)
    }

    fn contact(&self, user: &str) -> String {
        let t = if self.reliable() {
            ";transport=tcp"
        } else {
            ""
        };
        format!("<sip:{user}@{}{t}>", self.config.local_addr)
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
        let transport_param = if self.reliable() {
            ";transport=tcp"
        } else {
            ""
        };
        let request_uri = format!("sip:{}@{}{transport_param}", req.callee, trunk.host);
        let domain = &self.config.from_domain;
        let from = if req.anonymous {
            format!("\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag={local_tag}")
        } else {
            format!("<sip:{}@{domain}>;tag={local_tag}", req.caller)
        };
        let to = format!("<sip:{}@{}>", req.callee, trunk.host);
        let session_id = u64::from(self.rng.random::<u32>());
        let offer = SessionDescription::offer(
            session_id,
            req.media.rtp,
            &req.media.codecs,
            req.media.telephone_event_pt,
            req.media.ptime,
        )
        .to_text();
        let call = Call {
            key,
            req,
            trunk,
            call_id: call_id.clone(),
            local_tag,
            request_uri,
            from,
            to,
            next_cseq: 1,
            offer,
            invites: Vec::new(),
            non_invites: Vec::new(),
            phase: Phase::Inviting,
            dialog: None,
            extra_dialogs: Vec::new(),
            cancel_requested: false,
            cancel_sent: false,
            terminal_sent: false,
            pending_end: None,
            challenge: None,
            invite_auth: None,
            auth_rounds: 0,
            last_nonce: None,
            nonce_count: 0,
            last_media: None,
            scheduled: None,
        };
        self.by_call_id.insert(call_id, key);
        self.calls.insert(key, call);
        self.send_invite(now, key);
        self.reschedule(key);
        self.tidy_deadlines();
        key
    }

    /// Number of calls examined for due timers so far: a measure of timer work that capacity
    /// tests can bound (it grows with the calls actually due, not with the calls held).
    pub fn timer_checks(&self) -> u64 {
        self.timer_checks
    }

    /// Re-reads a call's earliest timer after anything may have changed it.
    fn reschedule(&mut self, key: CallKey) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let next = call_deadline(call);
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

    fn send_invite(&mut self, now: Instant, key: CallKey) {
        let branch = self.new_branch();
        let via = self.via(&branch);
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let contact_user = if call.req.anonymous {
            "anonymous".to_owned()
        } else {
            call.req.caller.clone()
        };
        let contact = self.contact(&contact_user);
        let auth = self.credentials(key, "INVITE", None);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.invite_auth.clone_from(&auth);
        let call = &*call;
        let cseq = call.next_cseq;
        let mut h = Headers::default();
        h.add("Via", &via);
        h.add("Max-Forwards", "70");
        h.add("From", &call.from);
        h.add("To", &call.to);
        h.add("Call-ID", &call.call_id);
        h.add("CSeq", &format!("{cseq} INVITE"));
        h.add("Contact", &contact);
        if let Some((name, value)) = &auth {
            h.add(name, value);
        }
        let pai = format!("<sip:{}@{}>", call.req.caller, self.config.from_domain);
        if call.req.anonymous {
            h.add("Privacy", "id");
        }
        h.add("P-Asserted-Identity", &pai);
        h.add("User-Agent", &self.config.user_agent);
        h.add("Allow", ALLOW);
        h.add("Supported", "");
        for (n, v) in &call.req.extra_headers {
            h.add(n, v);
        }
        h.add("Content-Type", "application/sdp");
        let request = h.request("INVITE", &call.request_uri, call.offer.as_bytes());
        let dest = call.trunk.addr;
        let t1 = self.t1();
        let reliable = self.reliable();
        let tx = InviteTx {
            branch,
            cseq,
            request: request.clone(),
            state: InviteState::Calling,
            timer_a: (!reliable).then(|| (now + t1, t1)),
            timer_b: Some(now + 64 * t1),
            timer_d: None,
            ack: None,
            cancel_guard: None,
        };
        if let Some(call) = self.calls.get_mut(&key) {
            call.next_cseq += 1;
            call.invites.push(tx);
        }
        self.transmit(dest, request);
    }

    fn transmit(&mut self, destination: SocketAddr, payload: Bytes) {
        self.transmits.push_back(Transmit {
            destination,
            transport: self.config.transport,
            payload,
        });
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
        self.send_in_dialog(
            now,
            key,
            "INFO",
            Purpose::Info,
            &tag,
            Some((content_type, body)),
            false,
        );
        self.reschedule(key);
        self.tidy_deadlines();
        Ok(())
    }

    fn maybe_send_cancel(&mut self, now: Instant, key: CallKey) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        if !call.cancel_requested || call.cancel_sent {
            return;
        }
        let Some(inv) = call.invites.last() else {
            return;
        };
        if inv.state != InviteState::Proceeding {
            // RFC 3261 9.1: no CANCEL before a provisional response; sent when one arrives.
            return;
        }
        let mut h = Headers::default();
        h.add("Via", &self.via(&inv.branch));
        h.add("Max-Forwards", "70");
        h.add("From", &call.from);
        h.add("To", &call.to);
        h.add("Call-ID", &call.call_id);
        h.add("CSeq", &format!("{} CANCEL", inv.cseq));
        h.add("User-Agent", &self.config.user_agent);
        let request = h.request("CANCEL", &call.request_uri, b"");
        let branch = inv.branch.clone();
        let dest = call.trunk.addr;
        let guard = now + 64 * self.t1();
        self.start_non_invite(
            now,
            key,
            branch,
            "CANCEL",
            Purpose::Cancel,
            request,
            dest,
            None,
        );
        if let Some(call) = self.calls.get_mut(&key) {
            call.cancel_sent = true;
            if let Some(inv) = call.invites.last_mut() {
                inv.cancel_guard = Some(guard);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn start_non_invite(
        &mut self,
        now: Instant,
        key: CallKey,
        branch: String,
        method: &'static str,
        purpose: Purpose,
        request: Bytes,
        destination: SocketAddr,
        dialog_tag: Option<String>,
    ) {
        let tx = self.new_non_invite(now, branch, method, purpose, request.clone(), destination);
        let tx = NonInviteTx { dialog_tag, ..tx };
        if let Some(call) = self.calls.get_mut(&key) {
            call.non_invites.push(tx);
        }
        self.transmit(destination, request);
    }

    fn new_non_invite(
        &self,
        now: Instant,
        branch: String,
        method: &'static str,
        purpose: Purpose,
        request: Bytes,
        destination: SocketAddr,
    ) -> NonInviteTx {
        let t1 = self.t1();
        NonInviteTx {
            branch,
            method,
            purpose,
            request,
            destination,
            state: NonInviteState::Trying,
            timer_e: (!self.reliable()).then(|| (now + t1, t1)),
            timer_f: Some(now + 64 * t1),
            timer_k: None,
            dialog_tag: None,
            auth_retried: false,
        }
    }

    /// Builds and sends an in-dialog request (BYE or INFO) for the dialog with `remote_tag`.
    #[allow(clippy::too_many_arguments)]
    fn send_in_dialog(
        &mut self,
        now: Instant,
        key: CallKey,
        method: &'static str,
        purpose: Purpose,
        remote_tag: &str,
        body: Option<(&str, &[u8])>,
        with_auth: bool,
    ) {
        let branch = self.new_branch();
        let via = self.via(&branch);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let dialog = call
            .dialog
            .iter()
            .chain(call.extra_dialogs.iter())
            .find(|d| d.remote_tag == remote_tag)
            .cloned();
        let Some(dialog) = dialog else {
            return;
        };
        let cseq = call.next_cseq;
        call.next_cseq += 1;
        let auth = if with_auth {
            self.credentials(key, method, Some(&dialog.remote_target))
        } else {
            None
        };
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let mut h = Headers::default();
        h.add("Via", &via);
        h.add("Max-Forwards", "70");
        if let Some((n, v)) = &auth {
            h.add(n, v);
        }
        for r in &dialog.route_set {
            h.add("Route", r);
        }
        h.add("From", &call.from);
        h.add("To", &format!("{};tag={}", call.to, dialog.remote_tag));
        h.add("Call-ID", &call.call_id);
        h.add("CSeq", &format!("{cseq} {method}"));
        h.add("User-Agent", &self.config.user_agent);
        let (ct, b): (Option<&str>, &[u8]) = match body {
            Some((ct, b)) => (Some(ct), b),
            None => (None, b""),
        };
        if let Some(ct) = ct {
            h.add("Content-Type", ct);
        }
        let request = h.request(method, &dialog.remote_target, b);
        let dest = call.trunk.addr;
        let tag = remote_tag.to_owned();
        self.start_non_invite(now, key, branch, method, purpose, request, dest, Some(tag));
    }

    fn send_bye(&mut self, now: Instant, key: CallKey, end: EndReason) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let Some(tag) = call.dialog.as_ref().map(|d| d.remote_tag.clone()) else {
            return;
        };
        call.phase = Phase::Closing;
        if !call.terminal_sent {
            call.pending_end = Some(end);
        }
        self.send_in_dialog(now, key, "BYE", Purpose::Bye, &tag, None, false);
    }

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
        let mut min: Option<Instant> = self.keepalive_at;
        let mut add = |t: Option<Instant>| {
            if let Some(t) = t {
                min = Some(min.map_or(t, |m| m.min(t)));
            }
        };
        add(self.deadlines.peek().map(|Reverse((at, _))| *at));
        for tx in &self.options {
            add(nit_deadline(tx));
        }
        min
    }

    /// Starts (or restarts) the OPTIONS keepalive schedule; the first OPTIONS goes out now.
    pub fn start_keepalive(&mut self, now: Instant) {
        if self.config.keepalive.is_some() && self.config.trunk.is_some() {
            self.keepalive_at = Some(now);
            self.handle_timeout(now);
        }
    }

    fn send_options(&mut self, now: Instant) {
        let Some(trunk) = self.config.trunk.clone() else {
            return;
        };
        let branch = self.new_branch();
        let call_id = format!("{}@voice-otp", self.token(12));
        let tag = self.token(8);
        let mut h = Headers::default();
        h.add("Via", &self.via(&branch));
        h.add("Max-Forwards", "70");
        h.add(
            "From",
            &format!("<sip:voice-otp@{}>;tag={tag}", self.config.from_domain),
        );
        h.add("To", &format!("<sip:{}>", trunk.host));
        h.add("Call-ID", &call_id);
        h.add("CSeq", "1 OPTIONS");
        h.add("User-Agent", &self.config.user_agent);
        h.add("Accept", "application/sdp");
        let request = h.request("OPTIONS", &format!("sip:{}", trunk.host), b"");
        let tx = self.new_non_invite(
            now,
            branch,
            "OPTIONS",
            Purpose::Options,
            request.clone(),
            trunk.addr,
        );
        self.options.push(tx);
        self.transmit(trunk.addr, request);
    }

    /// Tells the core the transport to `destination` failed (TCP connect refused, reset):
    /// every transaction towards it fails as if it had timed out.
    pub fn handle_transport_error(&mut self, _now: Instant, destination: SocketAddr) {
        let keys: Vec<CallKey> = self
            .calls
            .values()
            .filter(|c| c.trunk.addr == destination)
            .map(|c| c.key)
            .collect();
        for key in keys {
            let ended = match self.calls.get(&key).map(|c| (c.phase, c.dialog.is_some())) {
                Some((Phase::Inviting, _)) => SipEvent::Failed {
                    key,
                    reason: FailReason::TransportError,
                },
                Some((_, true)) => SipEvent::Ended {
                    key,
                    reason: EndReason::TransportError,
                },
                _ => SipEvent::Failed {
                    key,
                    reason: FailReason::TransportError,
                },
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
        if let (Some(at), Some(every)) = (self.keepalive_at, self.config.keepalive)
            && at <= now
        {
            self.keepalive_at = Some(now + every);
            self.send_options(now);
        }
        let mut options = std::mem::take(&mut self.options);
        let mut unreachable = false;
        options.retain_mut(|tx| match self.step_non_invite(now, tx) {
            NitStep::Keep => true,
            NitStep::Done => false,
            NitStep::TimedOut => {
                unreachable = true;
                false
            }
        });
        self.options = options;
        if unreachable {
            self.events
                .push_back(SipEvent::TrunkStatus { reachable: false });
        }

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

    fn step_non_invite(&mut self, now: Instant, tx: &mut NonInviteTx) -> NitStep {
        if tx.timer_k.is_some_and(|k| k <= now) {
            return NitStep::Done;
        }
        if tx.timer_f.is_some_and(|f| f <= now) {
            return NitStep::TimedOut;
        }
        if let Some((at, interval)) = tx.timer_e
            && at <= now
        {
            // Timer E: doubling up to T2 while trying, T2 once a provisional came.
            let next = if tx.state == NonInviteState::Proceeding {
                self.config.timers.t2
            } else {
                (interval * 2).min(self.config.timers.t2)
            };
            tx.timer_e = Some((now + next, next));
            self.transmit(tx.destination, tx.request.clone());
        }
        NitStep::Keep
    }

    fn call_timeouts(&mut self, now: Instant, key: CallKey) {
        let Some(mut call) = self.calls.remove(&key) else {
            return;
        };
        let mut timed_out_invite = false;
        let mut cancel_gave_up = false;
        let dest = call.trunk.addr;
        for inv in &mut call.invites {
            if let Some((at, interval)) = inv.timer_a
                && at <= now
                && inv.state == InviteState::Calling
            {
                let next = interval * 2;
                inv.timer_a = Some((now + next, next));
                self.transmits.push_back(Transmit {
                    destination: dest,
                    transport: self.config.transport,
                    payload: inv.request.clone(),
                });
            }
            if inv.timer_b.is_some_and(|b| b <= now) && inv.state == InviteState::Calling {
                inv.state = InviteState::Terminated;
                timed_out_invite = true;
            }
            if inv.cancel_guard.is_some_and(|g| g <= now)
                && matches!(inv.state, InviteState::Calling | InviteState::Proceeding)
            {
                inv.state = InviteState::Terminated;
                cancel_gave_up = true;
            }
            if inv.timer_d.is_some_and(|d| d <= now) {
                inv.state = InviteState::Terminated;
            }
            if inv.state == InviteState::Terminated {
                inv.timer_a = None;
                inv.timer_b = None;
                inv.timer_d = None;
                inv.cancel_guard = None;
            }
        }
        let mut txs = std::mem::take(&mut call.non_invites);
        let mut bye_result: Option<Option<u16>> = None;
        txs.retain_mut(|tx| match self.step_non_invite(now, tx) {
            NitStep::Keep => true,
            NitStep::Done => false,
            NitStep::TimedOut => {
                if tx.purpose == Purpose::Bye {
                    bye_result = Some(None);
                }
                false
            }
        });
        call.non_invites = txs;
        call.invites.retain(|i| i.state != InviteState::Terminated);
        self.calls.insert(key, call);

        if timed_out_invite {
            let cancelled = self.calls.get(&key).is_some_and(|c| c.cancel_requested);
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
        if cancel_gave_up {
            self.emit_terminal(
                key,
                SipEvent::Ended {
                    key,
                    reason: EndReason::Cancelled { code: None },
                },
            );
        }
        if let Some(code) = bye_result {
            self.finish_bye(key, code);
        }
        self.reap(key);
    }

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
            StartLine::Request { .. } => self.handle_request(now, from, &msg),
        }
        if let Some(key) = key {
            self.reschedule(key);
        }
        self.tidy_deadlines();
    }

    fn handle_response(&mut self, now: Instant, code: u16, msg: &SipMessage) {
        let (Some(branch), Some((cseq, method))) = (msg.top_branch(), msg.cseq()) else {
            return;
        };
        let method = method.to_ascii_uppercase();
        if method == "OPTIONS" {
            let (reliable, t4) = (self.reliable(), self.config.timers.t4);
            if let Some(i) = self.options.iter().position(|t| t.branch == branch) {
                if code >= 200 {
                    let tx = &mut self.options[i];
                    if tx.state != NonInviteState::Completed {
                        self.events
                            .push_back(SipEvent::TrunkStatus { reachable: true });
                    }
                    complete_non_invite(tx, now, reliable, t4);
                }
                return;
            }
        }
        let Some(&key) = msg.call_id().and_then(|c| self.by_call_id.get(c)) else {
            return;
        };
        if method == "INVITE" {
            self.invite_response(now, key, code, branch, cseq, msg);
        } else {
            self.non_invite_response(now, key, code, branch, &method, msg);
        }
        self.reap(key);
    }

    fn non_invite_response(
        &mut self,
        now: Instant,
        key: CallKey,
        code: u16,
        branch: &str,
        method: &str,
        msg: &SipMessage,
    ) {
        let reliable = self.reliable();
        let t4 = self.config.timers.t4;
        let t2 = self.config.timers.t2;
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let Some(tx) = call
            .non_invites
            .iter_mut()
            .find(|t| t.branch == branch && t.method == method)
        else {
            return;
        };
        if tx.state == NonInviteState::Completed {
            return;
        }
        if code < 200 {
            tx.state = NonInviteState::Proceeding;
            if let Some((at, _)) = tx.timer_e {
                tx.timer_e = Some((at, t2));
            }
            return;
        }
        complete_non_invite(tx, now, reliable, t4);
        let purpose = tx.purpose.clone();
        let retried = tx.auth_retried;
        let tag = tx.dialog_tag.clone();
        if purpose == Purpose::Bye
            && (code == 401 || code == 407)
            && !retried
            && let Some(tag) = tag
            && self.prepare_auth(key, code, msg).is_ok()
        {
            self.send_in_dialog(now, key, "BYE", Purpose::Bye, &tag, None, true);
            if let Some(tx) = self
                .calls
                .get_mut(&key)
                .and_then(|c| c.non_invites.last_mut())
            {
                tx.auth_retried = true;
            }
            return;
        }
        if purpose == Purpose::Bye {
            self.finish_bye(key, Some(code));
        }
    }

    /// Records the challenge and builds the credentials header for the next request.
    /// Fails when there is nothing new to answer with.
    fn prepare_auth(&mut self, key: CallKey, code: u16, msg: &SipMessage) -> Result<(), ()> {
        let (challenge_header, answer_header) = if code == 407 {
            ("Proxy-Authenticate", "Proxy-Authorization")
        } else {
            ("WWW-Authenticate", "Authorization")
        };
        if self.config.username.is_empty() {
            return Err(());
        }
        let challenge = msg
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(challenge_header))
            .find_map(|(_, v)| Challenge::parse(v).ok())
            .ok_or(())?;
        let call = self.calls.get_mut(&key).ok_or(())?;
        if call.last_nonce.as_deref() == Some(challenge.nonce.as_str())
            || call.auth_rounds >= MAX_AUTH_ROUNDS
        {
            // Same nonce again means our credentials were wrong; retrying would loop.
            return Err(());
        }
        call.auth_rounds += 1;
        call.last_nonce = Some(challenge.nonce.clone());
        call.nonce_count = 0;
        call.challenge = Some((answer_header, challenge));
        Ok(())
    }

    /// Credentials for the next request of a call, if it has been challenged: a fresh cnonce
    /// and the next nonce count each time (RFC 2617 3.2.2).
    fn credentials(
        &mut self,
        key: CallKey,
        method: &str,
        uri: Option<&str>,
    ) -> Option<(&'static str, String)> {
        let cnonce = self.token(8);
        let (user, pass) = (self.config.username.clone(), self.config.password.clone());
        let call = self.calls.get_mut(&key)?;
        let (name, challenge) = call.challenge.as_ref()?;
        call.nonce_count += 1;
        let uri = uri.unwrap_or(&call.request_uri);
        let value = challenge.authorization(&user, &pass, method, uri, &cnonce, call.nonce_count);
        Some((name, value))
    }

    fn invite_response(
        &mut self,
        now: Instant,
        key: CallKey,
        code: u16,
        branch: &str,
        cseq: u32,
        msg: &SipMessage,
    ) {
        let reliable = self.reliable();
        let (transport, local_addr) = (self.config.transport, self.config.local_addr);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let Some(idx) = call
            .invites
            .iter()
            .position(|i| i.branch == branch && i.cseq == cseq)
        else {
            return;
        };
        let state = call.invites[idx].state;
        match code {
            100..=199 => {
                if !matches!(state, InviteState::Calling | InviteState::Proceeding) {
                    return;
                }
                let inv = &mut call.invites[idx];
                inv.state = InviteState::Proceeding;
                inv.timer_a = None;
                inv.timer_b = None;
                if code > 100 && call.phase == Phase::Inviting && !call.cancel_requested {
                    let early_media = if msg.body.is_empty() {
                        None
                    } else {
                        negotiate(&msg.body, &call.req, &self.peer_networks).ok()
                    };
                    if early_media.is_some() {
                        call.last_media.clone_from(&early_media);
                    }
                    let reason = reason_of(msg);
                    self.events.push_back(SipEvent::Provisional {
                        key,
                        code,
                        reason,
                        early_media,
                    });
                }
                self.maybe_send_cancel(now, key);
            }
            200..=299 => self.invite_2xx(now, key, idx, msg),
            _ => {
                let ack = match state {
                    InviteState::Calling | InviteState::Proceeding => {
                        let inv = &call.invites[idx];
                        let mut h = Headers::default();
                        h.add("Via", &via_line(transport, local_addr, &inv.branch));
                        h.add("Max-Forwards", "70");
                        h.add("From", &call.from);
                        h.add("To", msg.header("To").unwrap_or(&call.to));
                        h.add("Call-ID", &call.call_id);
                        h.add("CSeq", &format!("{} ACK", inv.cseq));
                        let ack = h.request("ACK", &call.request_uri, b"");
                        let inv = &mut call.invites[idx];
                        inv.state = InviteState::Completed;
                        inv.timer_a = None;
                        inv.timer_b = None;
                        inv.cancel_guard = None;
                        let wait = if reliable {
                            Duration::ZERO
                        } else {
                            Duration::from_secs(32)
                        };
                        inv.timer_d = Some(now + wait);
                        inv.ack = Some(ack.clone());
                        ack
                    }
                    InviteState::Completed => match &call.invites[idx].ack {
                        // A retransmitted final: our ACK was lost.
                        Some(a) => {
                            let a = a.clone();
                            let dest = call.trunk.addr;
                            self.transmit(dest, a);
                            return;
                        }
                        None => return,
                    },
                    _ => return,
                };
                let dest = call.trunk.addr;
                let cancelled = call.cancel_requested;
                let is_current = idx + 1 == call.invites.len();
                self.transmit(dest, ack);
                if !is_current {
                    return;
                }
                if (code == 401 || code == 407) && !cancelled {
                    if self.prepare_auth(key, code, msg).is_ok() {
                        self.send_invite(now, key);
                        return;
                    }
                    self.emit_terminal(
                        key,
                        SipEvent::Failed {
                            key,
                            reason: FailReason::AuthFailed { code },
                        },
                    );
                    return;
                }
                let ev = if cancelled {
                    SipEvent::Ended {
                        key,
                        reason: EndReason::Cancelled { code: Some(code) },
                    }
                } else {
                    SipEvent::Failed {
                        key,
                        reason: FailReason::Rejected {
                            code,
                            reason: reason_of(msg),
                        },
                    }
                };
                self.emit_terminal(key, ev);
            }
        }
    }

    fn invite_2xx(&mut self, now: Instant, key: CallKey, idx: usize, msg: &SipMessage) {
        let t1 = self.t1();
        let Some(to_tag) = msg.to_tag().map(str::to_owned) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let dest = call.trunk.addr;
        // A retransmitted 2xx of a dialog we know: re-ACK (the ACK may have been lost).
        if let Some(d) = call
            .dialog
            .iter()
            .chain(call.extra_dialogs.iter())
            .find(|d| d.remote_tag == to_tag)
        {
            let ack = d.ack.clone();
            self.transmit(dest, ack);
            return;
        }
        let inv = &mut call.invites[idx];
        if matches!(inv.state, InviteState::Calling | InviteState::Proceeding) {
            inv.state = InviteState::Accepted;
            inv.timer_a = None;
            inv.timer_b = None;
            inv.cancel_guard = None;
            inv.timer_d = Some(now + 64 * t1);
            // Only Calling retransmits the INVITE; the Accepted state just matches 2xx by
            // branch for 32 s, so the request bytes need not be held that long.
            inv.request = Bytes::new();
        }
        let inv_cseq = inv.cseq;
        let remote_target = msg
            .header("Contact")
            .map(|c| addr_uri(c).to_owned())
            .unwrap_or_else(|| call.request_uri.clone());
        let route_set: Vec<String> = {
            let mut rr: Vec<String> = msg
                .header_values("Record-Route")
                .map(str::to_owned)
                .collect();
            rr.reverse();
            rr
        };
        let branch = {
            let mut s = String::from("z9hG4bK");
            for _ in 0..8 {
                let _ = write!(s, "{:02x}", self.rng.random::<u8>());
            }
            s
        };
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let mut h = Headers::default();
        h.add("Via", &self.via(&branch));
        h.add("Max-Forwards", "70");
        for r in &route_set {
            h.add("Route", r);
        }
        h.add("From", &call.from);
        h.add("To", msg.header("To").unwrap_or(&call.to));
        h.add("Call-ID", &call.call_id);
        h.add("CSeq", &format!("{inv_cseq} ACK"));
        if let Some((n, v)) = &call.invite_auth {
            h.add(n, v);
        }
        h.add("User-Agent", &self.config.user_agent);
        let ack = h.request("ACK", &remote_target, b"");
        let dialog = Dialog {
            remote_tag: to_tag.clone(),
            remote_target,
            route_set,
            ack: ack.clone(),
        };
        self.transmit(dest, ack);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.dialog.is_some() || call.phase != Phase::Inviting {
            // A second dialog (forking) or an answer after we gave up: RFC 3261 13.2.2.4 says
            // ACK it and, as we only want one, end it with BYE.
            call.extra_dialogs.push(dialog);
            self.send_in_dialog(now, key, "BYE", Purpose::ForkBye, &to_tag, None, false);
            return;
        }
        call.dialog = Some(dialog);
        if call.cancel_requested {
            // The 200 raced our CANCEL: the call is up on the far end, so BYE it.
            self.send_bye(now, key, EndReason::Cancelled { code: Some(200) });
            return;
        }
        let answer = match (negotiate(&msg.body, &call.req, &self.peer_networks), &call.last_media) {
            // A 200 without SDP after a 183 that carried the answer: that answer stands.
            (Err(NegotiationError::NoAnswer), Some(early)) if msg.body.is_empty() => {
                Ok(early.clone())
            }
            (r, _) => r,
        };
        match answer {
            Ok(media) => {
                call.phase = Phase::Answered;
                call.last_media = Some(media.clone());
                self.events.push_back(SipEvent::Answered { key, media });
            }
            Err(e) => {
                self.emit_terminal(
                    key,
                    SipEvent::Failed {
                        key,
                        reason: FailReason::NoCommonCodec(e),
                    },
                );
                self.send_bye(now, key, EndReason::LocalBye { code: None });
            }
        }
    }

    fn handle_request(&mut self, now: Instant, from: SocketAddr, msg: &SipMessage) {
        let method = msg.method().unwrap_or("").to_owned();
        let key = msg.call_id().and_then(|c| self.by_call_id.get(c)).copied();
        let call = key.and_then(|k| self.calls.get(&k));
        // In-dialog requests from the far end carry our tag as their To tag.
        let in_dialog = call.filter(|c| msg.to_tag() == Some(c.local_tag.as_str()));
        let Some(call) = in_dialog else {
            match method.as_str() {
                "ACK" => {}
                "OPTIONS" => self.respond(from, msg, 200, "OK", None, &[], b""),
                "INVITE" => self.respond(from, msg, 603, "Decline", None, &[], b""),
                _ => self.respond(
                    from,
                    msg,
                    481,
                    "Call/Transaction Does Not Exist",
                    None,
                    &[],
                    b"",
                ),
            }
            return;
        };
        let key = call.key;
        let remote_tag = msg.from_tag().map(str::to_owned);
        let is_main = call
            .dialog
            .as_ref()
            .is_some_and(|d| Some(&d.remote_tag) == remote_tag.as_ref());
        let local_tag = call.local_tag.clone();
        match method.as_str() {
            "ACK" => {}
            "BYE" => {
                self.respond(from, msg, 200, "OK", Some(&local_tag), &[], b"");
                if is_main {
                    let phase = self.calls.get(&key).map(|c| c.phase);
                    if phase == Some(Phase::Answered) {
                        self.emit_terminal(
                            key,
                            SipEvent::Ended {
                                key,
                                reason: EndReason::RemoteBye,
                            },
                        );
                    }
                }
            }
            "INFO" => {
                self.respond(from, msg, 200, "OK", Some(&local_tag), &[], b"");
                if is_main {
                    self.events.push_back(SipEvent::Info {
                        key,
                        content_type: msg.header("Content-Type").unwrap_or("").to_owned(),
                        body: msg.body.clone(),
                    });
                }
            }
            "OPTIONS" => self.respond(from, msg, 200, "OK", Some(&local_tag), &[], b""),
            "INVITE" | "UPDATE" => {
                let Some(call) = self.calls.get_mut(&key) else {
                    return;
                };
                if !msg.body.is_empty() {
                    match negotiate(&msg.body, &call.req, &self.peer_networks) {
                        Ok(media) => {
                            if call.last_media.as_ref() != Some(&media) && is_main {
                                call.last_media = Some(media.clone());
                                self.events.push_back(SipEvent::MediaUpdated { key, media });
                            }
                        }
                        Err(_) => {
                            self.respond(
                                from,
                                msg,
                                488,
                                "Not Acceptable Here",
                                Some(&local_tag),
                                &[],
                                b"",
                            );
                            return;
                        }
                    }
                }
                let Some(call) = self.calls.get(&key) else {
                    return;
                };
                // Our session is unchanged, so the same o= version (RFC 3264 8).
                let offer = call.offer.clone();
                let contact_user = if call.req.anonymous {
                    "anonymous".to_owned()
                } else {
                    call.req.caller.clone()
                };
                let contact = self.contact(&contact_user);
                self.respond(
                    from,
                    msg,
                    200,
                    "OK",
                    Some(&local_tag),
                    &[("Contact", &contact), ("Content-Type", "application/sdp")],
                    offer.as_bytes(),
                );
            }
            "CANCEL" => self.respond(
                from,
                msg,
                481,
                "Call/Transaction Does Not Exist",
                None,
                &[],
                b"",
            ),
            _ => self.respond(
                from,
                msg,
                405,
                "Method Not Allowed",
                Some(&local_tag),
                &[("Allow", ALLOW)],
                b"",
            ),
        }
        let _ = now;
    }

    /// Sends a response to a far-end request, echoing Via/From/To/Call-ID/CSeq.
    #[allow(clippy::too_many_arguments)]
    fn respond(
        &mut self,
        to_addr: SocketAddr,
        req: &SipMessage,
        code: u16,
        reason: &str,
        to_tag: Option<&str>,
        extra: &[(&str, &str)],
        body: &[u8],
    ) {
        let mut h = Headers::default();
        for (n, v) in &req.headers {
            if n.eq_ignore_ascii_case("Via") {
                h.add("Via", v);
            }
        }
        for name in ["From", "To", "Call-ID", "CSeq"] {
            let Some(v) = req.header(name) else { continue };
            if name == "To" && param(addr_params(v), "tag").is_none() {
                match to_tag {
                    Some(t) => h.add("To", &format!("{v};tag={t}")),
                    None => {
                        let t = self.token(8);
                        h.add("To", &format!("{v};tag={t}"));
                    }
                }
            } else {
                h.add(name, v);
            }
        }
        h.add("Server", &self.config.user_agent);
        if code == 200 && req.method() == Some("OPTIONS") {
            h.add("Allow", ALLOW);
            h.add("Accept", "application/sdp");
        }
        for (n, v) in extra {
            h.add(n, v);
        }
        let payload = h.response(code, reason, body);
        self.transmit(to_addr, payload);
    }
}

/// Our Via: RFC 3581 `rport` asks the far end to answer to the port we sent from.
fn via_line(transport: Transport, local_addr: SocketAddr, branch: &str) -> String {
    format!(
        "SIP/2.0/{} {local_addr};branch={branch};rport",
        transport.via_token()
    )
}

enum NitStep {
    Keep,
    Done,
    TimedOut,
}

/// A call's earliest pending timer over all its transactions.
fn call_deadline(call: &Call) -> Option<Instant> {
    let invites = call.invites.iter().flat_map(|inv| {
        [
            inv.timer_a.map(|(t, _)| t),
            inv.timer_b,
            inv.timer_d,
            inv.cancel_guard,
        ]
    });
    let non_invites = call.non_invites.iter().map(nit_deadline);
    invites.chain(non_invites).flatten().min()
}

fn nit_deadline(tx: &NonInviteTx) -> Option<Instant> {
    [tx.timer_e.map(|(t, _)| t), tx.timer_f, tx.timer_k]
        .into_iter()
        .flatten()
        .min()
}

fn complete_non_invite(tx: &mut NonInviteTx, now: Instant, reliable: bool, t4: Duration) {
    tx.state = NonInviteState::Completed;
    tx.timer_e = None;
    tx.timer_f = None;
    // Timer K: absorb retransmitted finals for T4 (zero on TCP).
    tx.timer_k = Some(now + if reliable { Duration::ZERO } else { t4 });
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
    let media = sdp.negotiate(&req.media.codecs)?;
    check_media_address(media.remote_rtp.ip(), peers)?;
    Ok(media)
}

/// Accumulates header lines for an outgoing message.
#[derive(Default)]
struct Headers {
    text: String,
}

impl Headers {
    fn add(&mut self, name: &str, value: &str) {
        self.text.push_str(name);
        self.text.push_str(": ");
        self.text.push_str(value);
        self.text.push_str("\r\n");
    }

    fn request(self, method: &str, uri: &str, body: &[u8]) -> Bytes {
        let mut out = format!("{method} {uri} SIP/2.0\r\n{}", self.text);
        let _ = write!(out, "Content-Length: {}\r\n\r\n", body.len());
        let mut out = out.into_bytes();
        out.extend_from_slice(body);
        Bytes::from(out)
    }

    fn response(self, code: u16, reason: &str, body: &[u8]) -> Bytes {
        let mut out = format!(
            "SIP/2.0 {code} {reason}\r\n{}Content-Length: {}\r\n\r\n",
            self.text,
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(body);
        Bytes::from(out)
    }
}

/// Builds the INVITE a call would start with, without keeping any state; used by the bench.
pub fn build_invite(config: &UaConfig, req: CallRequest) -> Bytes {
    let mut ua = UserAgent::new(config.clone());
    ua.start_call(Instant::now(), req);
    ua.poll_transmit().map(|t| t.payload).unwrap_or_default()
}
