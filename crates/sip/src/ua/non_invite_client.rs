//! Non-INVITE client transactions (RFC 3261 17.1.2): BYE, CANCEL, INFO and the OPTIONS
//! keepalive, with timers E (retransmit), F (give up) and K (absorb retransmitted finals).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::message::SipMessage;
use crate::types::{CallKey, SipEvent};

use super::UserAgent;
use super::call::Call;
use super::headers::Headers;
use super::timer::{Timer, TimerTable};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NonInviteState {
    Trying,
    Proceeding,
    Completed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Purpose {
    /// BYE of the main dialog (ends the call when done).
    Bye,
    /// BYE of an extra (forked) dialog.
    ForkBye,
    Cancel,
    Info,
    Options,
}

#[derive(Debug)]
pub(super) struct NonInviteTx {
    pub(super) branch: String,
    pub(super) method: &'static str,
    pub(super) purpose: Purpose,
    pub(super) request: Bytes,
    pub(super) destination: SocketAddr,
    pub(super) state: NonInviteState,
    /// Timers E, F and K.
    pub(super) timers: TimerTable,
    /// Timer E's current interval.
    pub(super) retransmit: Duration,
    /// For BYE: the dialog's To tag, so an auth retry can rebuild it.
    pub(super) dialog_tag: Option<String>,
    pub(super) auth_retried: bool,
}

/// What a timeout did to a non-INVITE transaction.
pub(super) enum NitStep {
    Keep,
    Done,
    TimedOut,
}

/// The transaction a response belongs to: its top Via branch and CSeq method (RFC 3261
/// 17.1.3).
pub(super) fn find_by_branch<'a>(
    txs: &'a mut [NonInviteTx],
    branch: &str,
    method: &str,
) -> Option<&'a mut NonInviteTx> {
    txs.iter_mut()
        .find(|t| t.branch == branch && t.method == method)
}

/// A final response arrived: stop retransmitting and absorb repeats for T4 (zero on TCP).
fn complete(tx: &mut NonInviteTx, now: Instant, reliable: bool, t4: Duration) {
    tx.state = NonInviteState::Completed;
    tx.timers.stop(Timer::E);
    tx.timers.stop(Timer::F);
    tx.timers
        .set(Timer::K, now + if reliable { Duration::ZERO } else { t4 });
}

impl UserAgent {
    /// A fresh transaction in Trying, with timer F and (over UDP) timer E running.
    pub(super) fn new_non_invite(
        &self,
        now: Instant,
        branch: String,
        method: &'static str,
        purpose: Purpose,
        request: Bytes,
        destination: SocketAddr,
    ) -> NonInviteTx {
        let t1 = self.t1();
        let mut timers = TimerTable::default();
        if !self.reliable() {
            timers.set(Timer::E, now + t1);
        }
        timers.set(Timer::F, now + 64 * t1);
        NonInviteTx {
            branch,
            method,
            purpose,
            request,
            destination,
            state: NonInviteState::Trying,
            timers,
            retransmit: t1,
            dialog_tag: None,
            auth_retried: false,
        }
    }

    /// Starts a transaction of call `key` and sends its request.
    pub(super) fn start_non_invite(&mut self, key: CallKey, tx: NonInviteTx) {
        let (destination, request) = (tx.destination, tx.request.clone());
        if let Some(call) = self.calls.get_mut(&key) {
            call.non_invites.push(tx);
        }
        self.transmit(destination, request);
    }

    /// Fires a transaction's due timers: K ends it, F times it out, E retransmits
    /// (doubling up to T2 while trying, T2 once a provisional came).
    pub(super) fn step_non_invite(&mut self, now: Instant, tx: &mut NonInviteTx) -> NitStep {
        if tx.timers.is_due(Timer::K, now) {
            return NitStep::Done;
        }
        if tx.timers.is_due(Timer::F, now) {
            return NitStep::TimedOut;
        }
        if tx.timers.is_due(Timer::E, now) {
            let next = if tx.state == NonInviteState::Proceeding {
                self.config.timers.t2
            } else {
                (tx.retransmit * 2).min(self.config.timers.t2)
            };
            tx.timers.set(Timer::E, now + next);
            tx.retransmit = next;
            self.transmit(tx.destination, tx.request.clone());
        }
        NitStep::Keep
    }

    /// Steps a call's transactions; returns whether its main BYE timed out (timer F).
    pub(super) fn non_invite_timeouts(&mut self, now: Instant, call: &mut Call) -> bool {
        let mut txs = std::mem::take(&mut call.non_invites);
        let mut bye_timed_out = false;
        txs.retain_mut(|tx| match self.step_non_invite(now, tx) {
            NitStep::Keep => true,
            NitStep::Done => false,
            NitStep::TimedOut => {
                bye_timed_out |= tx.purpose == Purpose::Bye;
                false
            }
        });
        call.non_invites = txs;
        bye_timed_out
    }

    /// A response to one of a call's non-INVITE requests.
    pub(super) fn non_invite_response(
        &mut self,
        now: Instant,
        key: CallKey,
        code: u16,
        branch: &str,
        method: &str,
        msg: &SipMessage,
    ) {
        let (reliable, t2, t4) = (
            self.reliable(),
            self.config.timers.t2,
            self.config.timers.t4,
        );
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let Some(tx) = find_by_branch(&mut call.non_invites, branch, method) else {
            return;
        };
        if tx.state == NonInviteState::Completed {
            return;
        }
        if code < 200 {
            tx.state = NonInviteState::Proceeding;
            if tx.timers.is_set(Timer::E) {
                tx.retransmit = t2;
            }
            return;
        }
        complete(tx, now, reliable, t4);
        let (purpose, retried, tag) = (tx.purpose.clone(), tx.auth_retried, tx.dialog_tag.clone());
        if purpose == Purpose::Bye
            && (code == 401 || code == 407)
            && !retried
            && let Some(tag) = tag
            && self.prepare_auth(key, code, msg).is_ok()
        {
            self.send_bye_with_auth(now, key, &tag);
            return;
        }
        if purpose == Purpose::Bye {
            self.finish_bye(key, Some(code));
        }
    }

    /// Sends an OPTIONS keepalive to the trunk outside any call.
    pub(super) fn send_options(&mut self, now: Instant) {
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

    /// A response to a keepalive OPTIONS; false if it matches none.
    pub(super) fn options_response(&mut self, now: Instant, code: u16, branch: &str) -> bool {
        let (reliable, t4) = (self.reliable(), self.config.timers.t4);
        let Some(tx) = find_by_branch(&mut self.options, branch, "OPTIONS") else {
            return false;
        };
        if code >= 200 {
            if tx.state != NonInviteState::Completed {
                self.events
                    .push_back(SipEvent::TrunkStatus { reachable: true });
            }
            complete(tx, now, reliable, t4);
        }
        true
    }

    /// Sends the next keepalive when due and steps the OPTIONS transactions; one that
    /// times out reports the trunk unreachable.
    pub(super) fn keepalive_timeouts(&mut self, now: Instant) {
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
    }
}
