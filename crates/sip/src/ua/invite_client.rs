//! The INVITE client transaction (RFC 3261 17.1.1, with RFC 6026's Accepted state): timers
//! A (retransmit), B (give up) and D (absorb retransmitted finals), the CANCEL guard, and
//! what each response does to the call.

use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::message::{SipMessage, addr_uri};
use crate::types::{CallKey, EndReason, FailReason, SipEvent};

use super::call::{Dialog, Phase};
use super::headers::{Headers, via_line};
use super::non_invite_client::Purpose;
use super::timer::{Timer, TimerTable};
use super::{ALLOW, UserAgent, negotiate, reason_of};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum InviteState {
    Calling,
    Proceeding,
    /// Non-2xx final received and ACKed; timer D absorbs retransmissions.
    Completed,
    /// RFC 6026: 2xx received; stay to match retransmitted 2xx for 64*T1.
    Accepted,
    Terminated,
}

#[derive(Debug)]
pub(super) struct InviteTx {
    pub(super) branch: String,
    pub(super) cseq: u32,
    pub(super) request: Bytes,
    pub(super) state: InviteState,
    /// Timers A, B, D (or L in Accepted) and the CANCEL guard.
    pub(super) timers: TimerTable,
    /// Timer A's current interval.
    pub(super) retransmit: Duration,
    /// ACK for a non-2xx final, resent on retransmissions of that final.
    pub(super) ack: Option<Bytes>,
}

impl InviteTx {
    fn is_pending(&self) -> bool {
        matches!(self.state, InviteState::Calling | InviteState::Proceeding)
    }
}

/// What the INVITE timers of one call decided.
#[derive(Debug, Default)]
pub(super) struct InviteExpiry {
    /// Timer B fired: no response at all.
    pub(super) timed_out: bool,
    /// A cancelled INVITE never got its final response.
    pub(super) cancel_gave_up: bool,
}

impl UserAgent {
    /// Builds and sends the call's (next) INVITE, with credentials once challenged.
    pub(super) fn send_invite(&mut self, now: Instant, key: CallKey) {
        let branch = self.new_branch();
        let via = self.via(&branch);
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let contact = self.contact(&call.contact_user());
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
        let mut timers = TimerTable::default();
        if !self.reliable() {
            timers.set(Timer::A, now + t1);
        }
        timers.set(Timer::B, now + 64 * t1);
        let tx = InviteTx {
            branch,
            cseq,
            request: request.clone(),
            state: InviteState::Calling,
            timers,
            retransmit: t1,
            ack: None,
        };
        if let Some(call) = self.calls.get_mut(&key) {
            call.next_cseq += 1;
            call.invites.push(tx);
        }
        self.transmit(dest, request);
    }

    /// Sends the CANCEL a call asked for, once its INVITE got a provisional response.
    pub(super) fn maybe_send_cancel(&mut self, now: Instant, key: CallKey) {
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
        let (branch, dest) = (inv.branch.clone(), call.trunk.addr);
        let guard = now + 64 * self.t1();
        let tx = self.new_non_invite(now, branch, "CANCEL", Purpose::Cancel, request, dest);
        self.start_non_invite(key, tx);
        if let Some(call) = self.calls.get_mut(&key) {
            call.cancel_sent = true;
            if let Some(inv) = call.invites.last_mut() {
                inv.timers.set(Timer::CancelGuard, guard);
            }
        }
    }

    /// A response to one of the call's INVITEs (matched by branch and CSeq).
    pub(super) fn invite_response(
        &mut self,
        now: Instant,
        key: CallKey,
        code: u16,
        (branch, cseq): (&str, u32),
        msg: &SipMessage,
    ) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let Some(idx) = call
            .invites
            .iter()
            .position(|i| i.branch == branch && i.cseq == cseq)
        else {
            return;
        };
        match code {
            100..=199 => self.invite_provisional(now, key, idx, code, msg),
            200..=299 => self.invite_2xx(now, key, idx, msg),
            _ => self.invite_rejected(now, key, idx, msg),
        }
    }

    fn invite_provisional(
        &mut self,
        now: Instant,
        key: CallKey,
        idx: usize,
        code: u16,
        msg: &SipMessage,
    ) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let inv = &mut call.invites[idx];
        if !inv.is_pending() {
            return;
        }
        inv.state = InviteState::Proceeding;
        inv.timers.stop(Timer::A);
        inv.timers.stop(Timer::B);
        if code > 100 && call.phase == Phase::Inviting && !call.cancel_requested {
            let early_media = if msg.body.is_empty() {
                None
            } else {
                negotiate(&msg.body, &call.req, &self.peer_networks).ok()
            };
            if early_media.is_some() {
                call.last_media.clone_from(&early_media);
            }
            self.events.push_back(SipEvent::Provisional {
                key,
                code,
                reason: reason_of(msg),
                early_media,
            });
        }
        self.maybe_send_cancel(now, key);
    }

    /// The ACK of a non-2xx final (RFC 3261 17.1.1.3): same branch as the INVITE.
    fn ack_for_final(&self, key: CallKey, idx: usize, msg: &SipMessage) -> Option<Bytes> {
        let call = self.calls.get(&key)?;
        let inv = &call.invites[idx];
        let (transport, local_addr) = (self.config.transport, self.config.local_addr);
        let mut h = Headers::default();
        h.add("Via", &via_line(transport, local_addr, &inv.branch));
        h.add("Max-Forwards", "70");
        h.add("From", &call.from);
        h.add("To", msg.header("To").unwrap_or(&call.to));
        h.add("Call-ID", &call.call_id);
        h.add("CSeq", &format!("{} ACK", inv.cseq));
        Some(h.request("ACK", &call.request_uri, b""))
    }

    /// A final 3xx-6xx: ACK it, then retry with credentials, or end the call.
    fn invite_rejected(&mut self, now: Instant, key: CallKey, idx: usize, msg: &SipMessage) {
        let Some(code) = msg.status() else {
            return;
        };
        let reliable = self.reliable();
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let inv = &call.invites[idx];
        if inv.state == InviteState::Completed {
            // A retransmitted final: our ACK was lost.
            if let Some(a) = inv.ack.clone() {
                let dest = call.trunk.addr;
                self.transmit(dest, a);
            }
            return;
        }
        if !inv.is_pending() {
            return;
        }
        let Some(ack) = self.ack_for_final(key, idx, msg) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let inv = &mut call.invites[idx];
        inv.state = InviteState::Completed;
        inv.timers.stop(Timer::A);
        inv.timers.stop(Timer::B);
        inv.timers.stop(Timer::CancelGuard);
        let wait = if reliable {
            Duration::ZERO
        } else {
            Duration::from_secs(32)
        };
        inv.timers.set(Timer::D, now + wait);
        inv.ack = Some(ack.clone());
        let (dest, cancelled) = (call.trunk.addr, call.cancel_requested);
        let is_current = idx + 1 == call.invites.len();
        self.transmit(dest, ack);
        if is_current {
            self.invite_failed(now, key, code, cancelled, msg);
        }
    }

    /// The current INVITE got a final 3xx-6xx (already ACKed).
    fn invite_failed(
        &mut self,
        now: Instant,
        key: CallKey,
        code: u16,
        cancelled: bool,
        msg: &SipMessage,
    ) {
        if (code == 401 || code == 407) && !cancelled {
            if self.prepare_auth(key, code, msg).is_ok() {
                self.send_invite(now, key);
                return;
            }
            let reason = FailReason::AuthFailed { code };
            self.emit_terminal(key, SipEvent::Failed { key, reason });
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

    /// A 2xx: ACK it (again, if it is a retransmission), then answer, end a fork, or BYE
    /// a call that was cancelled or whose media is unusable.
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
        if let Some(d) = call.dialog_with(&to_tag) {
            let ack = d.ack.clone();
            self.transmit(dest, ack);
            return;
        }
        let inv = &mut call.invites[idx];
        if inv.is_pending() {
            inv.state = InviteState::Accepted;
            inv.timers.stop(Timer::A);
            inv.timers.stop(Timer::B);
            inv.timers.stop(Timer::CancelGuard);
            inv.timers.set(Timer::D, now + 64 * t1);
            // Only Calling retransmits the INVITE; the Accepted state just matches 2xx by
            // branch for 32 s, so the request bytes need not be held that long.
            inv.request = Bytes::new();
        }
        let inv_cseq = inv.cseq;
        let Some(dialog) = self.dialog_from_2xx(key, inv_cseq, &to_tag, msg) else {
            return;
        };
        self.transmit(dest, dialog.ack.clone());
        self.accept_dialog(now, key, dialog, msg);
    }

    /// The dialog a 2xx sets up, with the ACK for it (a new branch: RFC 3261 13.2.2.4).
    fn dialog_from_2xx(
        &mut self,
        key: CallKey,
        inv_cseq: u32,
        to_tag: &str,
        msg: &SipMessage,
    ) -> Option<Dialog> {
        let branch = self.new_branch();
        let call = self.calls.get(&key)?;
        let remote_target = msg
            .header("Contact")
            .map(|c| addr_uri(c).to_owned())
            .unwrap_or_else(|| call.request_uri.clone());
        let mut route_set: Vec<String> = msg
            .header_values("Record-Route")
            .map(str::to_owned)
            .collect();
        route_set.reverse();
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
        Some(Dialog {
            remote_tag: to_tag.to_owned(),
            remote_target,
            route_set,
            ack,
        })
    }

    /// Takes a new, ACKed dialog: the call's answer, or one too many.
    fn accept_dialog(&mut self, now: Instant, key: CallKey, dialog: Dialog, msg: &SipMessage) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.dialog.is_some() || call.phase != Phase::Inviting {
            // A second dialog (forking) or an answer after we gave up: RFC 3261 13.2.2.4 says
            // ACK it and, as we only want one, end it with BYE.
            let tag = dialog.remote_tag.clone();
            call.extra_dialogs.push(dialog);
            self.send_in_dialog(now, key, "BYE", Purpose::ForkBye, &tag, None);
            return;
        }
        call.dialog = Some(dialog);
        if call.cancel_requested {
            // The 200 raced our CANCEL: the call is up on the far end, so BYE it.
            self.send_bye(now, key, EndReason::Cancelled { code: Some(200) });
            return;
        }
        let answer = match (
            negotiate(&msg.body, &call.req, &self.peer_networks),
            &call.last_media,
        ) {
            // A 200 without SDP after a 183 that carried the answer: that answer stands.
            (Err(crate::sdp::NegotiationError::NoAnswer), Some(early)) if msg.body.is_empty() => {
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
                let reason = FailReason::NoCommonCodec(e);
                self.emit_terminal(key, SipEvent::Failed { key, reason });
                self.send_bye(now, key, EndReason::LocalBye { code: None });
            }
        }
    }

    /// Fires a call's due INVITE timers and drops terminated transactions.
    pub(super) fn invite_timeouts(
        &mut self,
        now: Instant,
        call: &mut super::call::Call,
    ) -> InviteExpiry {
        let mut expiry = InviteExpiry::default();
        let dest = call.trunk.addr;
        for inv in &mut call.invites {
            if inv.timers.is_due(Timer::A, now) && inv.state == InviteState::Calling {
                let next = inv.retransmit * 2;
                inv.timers.set(Timer::A, now + next);
                inv.retransmit = next;
                self.transmit(dest, inv.request.clone());
            }
            if inv.timers.is_due(Timer::B, now) && inv.state == InviteState::Calling {
                inv.state = InviteState::Terminated;
                expiry.timed_out = true;
            }
            if inv.timers.is_due(Timer::CancelGuard, now) && inv.is_pending() {
                inv.state = InviteState::Terminated;
                expiry.cancel_gave_up = true;
            }
            if inv.timers.is_due(Timer::D, now) {
                inv.state = InviteState::Terminated;
            }
            if inv.state == InviteState::Terminated {
                inv.timers.stop_all();
            }
        }
        call.invites.retain(|i| i.state != InviteState::Terminated);
        expiry
    }
}
