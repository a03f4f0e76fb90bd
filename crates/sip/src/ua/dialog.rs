//! Inside the dialogs: the far end's requests (BYE, INFO, OPTIONS, re-INVITE, UPDATE, and
//! strays outside any dialog), our answers to them, and our own in-dialog requests.

use std::net::SocketAddr;
use std::time::Instant;

use crate::message::{SipMessage, addr_params, param};
use crate::types::{CallKey, EndReason, SipEvent};

use super::call::Phase;
use super::headers::Headers;
use super::non_invite_client::Purpose;
use super::{ALLOW, UserAgent, negotiate, srtp_reoffer};

const NO_SUCH_CALL: (u16, &str) = (481, "Call/Transaction Does Not Exist");

impl UserAgent {
    /// A request from the far end: inside one of our dialogs (it carries our tag as its To
    /// tag), or a stray.
    pub(super) fn handle_request(&mut self, from: SocketAddr, msg: &SipMessage) {
        let method = msg.method().unwrap_or("").to_owned();
        let key = msg.call_id().and_then(|c| self.by_call_id.get(c)).copied();
        let call = key.and_then(|k| self.calls.get(&k));
        let in_dialog = call.filter(|c| msg.to_tag() == Some(c.local_tag.as_str()));
        let Some(call) = in_dialog else {
            match method.as_str() {
                "ACK" => {}
                "OPTIONS" => self.respond(from, msg, (200, "OK"), None, &[], b""),
                "INVITE" => self.respond(from, msg, (603, "Decline"), None, &[], b""),
                _ => self.respond(from, msg, NO_SUCH_CALL, None, &[], b""),
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
        let ok = (200, "OK");
        match method.as_str() {
            "ACK" => {}
            "BYE" => {
                self.respond(from, msg, ok, Some(&local_tag), &[], b"");
                let answered = self.calls.get(&key).map(|c| c.phase) == Some(Phase::Answered);
                if is_main && answered {
                    let reason = EndReason::RemoteBye;
                    self.emit_terminal(key, SipEvent::Ended { key, reason });
                }
            }
            "INFO" => {
                self.respond(from, msg, ok, Some(&local_tag), &[], b"");
                if is_main {
                    self.events.push_back(SipEvent::Info {
                        key,
                        content_type: msg.header("Content-Type").unwrap_or("").to_owned(),
                        body: msg.body.clone(),
                    });
                }
            }
            "OPTIONS" => self.respond(from, msg, ok, Some(&local_tag), &[], b""),
            "INVITE" | "UPDATE" => self.far_offer(from, msg, key, is_main, &local_tag),
            "CANCEL" => self.respond(from, msg, NO_SUCH_CALL, None, &[], b""),
            _ => self.respond(
                from,
                msg,
                (405, "Method Not Allowed"),
                Some(&local_tag),
                &[("Allow", ALLOW)],
                b"",
            ),
        }
    }

    /// A re-INVITE or UPDATE: new media is taken only if usable (a codec we offered, an
    /// address media may go to), else 488 and nothing moves. Our session is unchanged, so
    /// the answer is our offer with the same o= version (RFC 3264 8). In an SRTP call the
    /// offer must keep SRTP with the suite in use; the far end's key in it (which may be
    /// new, RFC 4568 7.1.4) goes up in the media update, and the answer carries the one
    /// `a=crypto` line accepted.
    fn far_offer(
        &mut self,
        from: SocketAddr,
        msg: &SipMessage,
        key: CallKey,
        is_main: bool,
        local_tag: &str,
    ) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let mut answer = call.offer.clone();
        if !msg.body.is_empty() {
            let srtp = call.last_media.as_ref().and_then(|m| m.srtp.as_ref());
            let outcome = match srtp {
                Some(current) => srtp_reoffer(&msg.body, call, current, &self.peer_networks),
                None => negotiate(&msg.body, &call.req, &self.peer_networks)
                    .map(|media| (media, call.offer.clone())),
            };
            let Ok((media, sdp)) = outcome else {
                let refuse = (488, "Not Acceptable Here");
                self.respond(from, msg, refuse, Some(local_tag), &[], b"");
                return;
            };
            answer = sdp;
            if call.last_media.as_ref() != Some(&media) && is_main {
                call.last_media = Some(media.clone());
                self.events.push_back(SipEvent::MediaUpdated { key, media });
            }
        }
        let user = call.contact_user();
        let contact = self.contact(&user);
        self.respond(
            from,
            msg,
            (200, "OK"),
            Some(local_tag),
            &[("Contact", &contact), ("Content-Type", "application/sdp")],
            answer.as_bytes(),
        );
    }

    /// Sends a response to a far-end request, echoing Via/From/To/Call-ID/CSeq.
    fn respond(
        &mut self,
        to_addr: SocketAddr,
        req: &SipMessage,
        (code, reason): (u16, &str),
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
                let tag = match to_tag {
                    Some(t) => t.to_owned(),
                    None => self.token(8),
                };
                h.add("To", &format!("{v};tag={tag}"));
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

    /// Builds and sends an in-dialog request (BYE or INFO) for the dialog with `remote_tag`.
    pub(super) fn send_in_dialog(
        &mut self,
        now: Instant,
        key: CallKey,
        method: &'static str,
        purpose: Purpose,
        remote_tag: &str,
        body: Option<(&str, &[u8])>,
    ) {
        self.send_in_dialog_with(now, key, (method, purpose), remote_tag, body, false);
    }

    /// Our BYE again with credentials, after a 401/407 to the first one.
    pub(super) fn send_bye_with_auth(&mut self, now: Instant, key: CallKey, remote_tag: &str) {
        let bye = ("BYE", Purpose::Bye);
        self.send_in_dialog_with(now, key, bye, remote_tag, None, true);
        if let Some(tx) = self
            .calls
            .get_mut(&key)
            .and_then(|c| c.non_invites.last_mut())
        {
            tx.auth_retried = true;
        }
    }

    fn send_in_dialog_with(
        &mut self,
        now: Instant,
        key: CallKey,
        (method, purpose): (&'static str, Purpose),
        remote_tag: &str,
        body: Option<(&str, &[u8])>,
        with_auth: bool,
    ) {
        let branch = self.new_branch();
        let via = self.via(&branch);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let Some(dialog) = call.dialog_with(remote_tag).cloned() else {
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
        let b: &[u8] = match body {
            Some((ct, b)) => {
                h.add("Content-Type", ct);
                b
            }
            None => b"",
        };
        let request = h.request(method, &dialog.remote_target, b);
        let dest = call.trunk.addr;
        let mut tx = self.new_non_invite(now, branch, method, purpose, request, dest);
        tx.dialog_tag = Some(remote_tag.to_owned());
        self.start_non_invite(key, tx);
    }

    /// Ends the answered call with BYE; `end` is reported once the BYE completes.
    pub(super) fn send_bye(&mut self, now: Instant, key: CallKey, end: EndReason) {
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
        self.send_in_dialog(now, key, "BYE", Purpose::Bye, &tag, None);
    }
}
