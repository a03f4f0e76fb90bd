//! The state one outbound call holds in the user agent.

use std::time::Instant;

use bytes::Bytes;
use zeroize::Zeroizing;

use crate::auth::Challenge;
use crate::sdp::NegotiatedMedia;
use crate::types::{CallKey, CallRequest, EndReason, TrunkTarget};

use super::invite_client::InviteTx;
use super::non_invite_client::NonInviteTx;

/// One dialog the far end set up with a 2xx (the main one, or an extra fork).
#[derive(Debug, Clone)]
pub(super) struct Dialog {
    pub(super) remote_tag: String,
    pub(super) remote_target: String,
    pub(super) route_set: Vec<String>,
    /// ACK for the 2xx, resent whenever the 2xx is retransmitted.
    pub(super) ack: Bytes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Inviting,
    Answered,
    /// Terminal event emitted (or pending on our BYE); only transactions remain.
    Closing,
}

/// The fixed identity of a call on the wire, decided when it starts.
#[derive(Debug)]
pub(super) struct CallIdentity {
    pub(super) call_id: String,
    pub(super) local_tag: String,
    pub(super) request_uri: String,
    pub(super) from: String,
    pub(super) to: String,
    /// Our SDP offer; its `a=crypto` lines carry our SRTP keys.
    pub(super) offer: Zeroizing<String>,
}

#[derive(Debug)]
pub(super) struct Call {
    pub(super) key: CallKey,
    pub(super) req: CallRequest,
    pub(super) trunk: TrunkTarget,
    pub(super) call_id: String,
    pub(super) local_tag: String,
    pub(super) request_uri: String,
    pub(super) from: String,
    pub(super) to: String,
    pub(super) next_cseq: u32,
    /// Our SDP offer, resent in every INVITE and re-INVITE answer; zeroized with the call.
    pub(super) offer: Zeroizing<String>,
    pub(super) invites: Vec<InviteTx>,
    pub(super) non_invites: Vec<NonInviteTx>,
    pub(super) phase: Phase,
    pub(super) dialog: Option<Dialog>,
    pub(super) extra_dialogs: Vec<Dialog>,
    pub(super) cancel_requested: bool,
    pub(super) cancel_sent: bool,
    pub(super) terminal_sent: bool,
    /// Ended reason to emit once our BYE completes.
    pub(super) pending_end: Option<EndReason>,
    /// The challenge being answered and the header name to answer it in.
    pub(super) challenge: Option<(&'static str, Challenge)>,
    /// Credentials sent with the current INVITE (repeated in the ACK for its 2xx).
    pub(super) invite_auth: Option<(&'static str, String)>,
    pub(super) auth_rounds: u32,
    pub(super) last_nonce: Option<String>,
    pub(super) nonce_count: u32,
    pub(super) last_media: Option<NegotiatedMedia>,
    /// The deadline this call has in `UserAgent::deadlines`; other entries for it are stale.
    pub(super) scheduled: Option<Instant>,
}

impl Call {
    pub(super) fn new(
        key: CallKey,
        req: CallRequest,
        trunk: TrunkTarget,
        id: CallIdentity,
    ) -> Call {
        Call {
            key,
            req,
            trunk,
            call_id: id.call_id,
            local_tag: id.local_tag,
            request_uri: id.request_uri,
            from: id.from,
            to: id.to,
            next_cseq: 1,
            offer: id.offer,
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
        }
    }

    /// The dialog (main or forked) with this remote tag.
    pub(super) fn dialog_with(&self, remote_tag: &str) -> Option<&Dialog> {
        self.dialog
            .iter()
            .chain(self.extra_dialogs.iter())
            .find(|d| d.remote_tag == remote_tag)
    }

    /// The earliest pending timer over all the call's transactions.
    pub(super) fn deadline(&self) -> Option<Instant> {
        let invites = self.invites.iter().map(|i| i.timers.next_timeout());
        let non_invites = self.non_invites.iter().map(|t| t.timers.next_timeout());
        invites.chain(non_invites).flatten().min()
    }

    /// The user part of our Contact (hidden for anonymous calls).
    pub(super) fn contact_user(&self) -> String {
        if self.req.anonymous {
            "anonymous".to_owned()
        } else {
            self.req.caller.clone()
        }
    }
}
