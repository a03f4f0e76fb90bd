//! One call's SIP dialog over the trunk group: the INVITE goes to the trunk the group
//! picked, and a 503, a 408 or a timeout (timer B) before the answer sends it to the next
//! trunk with budget, until every trunk was tried or the flow cancels (its ring timeout
//! bounds the whole sequence). Any other final answer is the callee's and ends the call.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};
use voice_otp_rtp::LocalPorts;
use voice_otp_sip::{
    CallKey, CallRequest, EndReason, FailReason, NegotiatedMedia, NegotiationError, SipEndpoint,
    SipEvent, SrtpOffer, SrtpPolicy,
};

use super::backend::{Dialog, SignalEvent};
use crate::flow::DialFailure;
use crate::trunks::{TrunkGrant, TrunkGroup};

/// The trunk group and its SIP endpoints, one per trunk in the group's order (each with
/// its own socket, transport and credentials).
#[derive(Debug)]
pub(crate) struct Trunks {
    pub(super) endpoints: Vec<Arc<SipEndpoint>>,
    pub(super) group: Arc<TrunkGroup>,
}

/// One INVITE on one trunk, holding that trunk's budget until it is dropped.
#[derive(Debug)]
pub(super) struct Attempt {
    sip: Arc<SipEndpoint>,
    key: CallKey,
    events: mpsc::Receiver<SipEvent>,
    grant: TrunkGrant,
}

/// Sends `request` through the trunk of `grant`.
pub(super) async fn place(
    trunks: &Trunks,
    request: CallRequest,
    grant: TrunkGrant,
) -> Result<Attempt, DialFailure> {
    let sip = trunks
        .endpoints
        .get(grant.index())
        .cloned()
        .ok_or(DialFailure::NoRoute)?;
    let (key, events) = sip.dial(request).await.map_err(|error| {
        warn!(trunk = grant.name(), %error, "INVITE not sent");
        DialFailure::Local
    })?;
    info!(trunk = grant.name(), "INVITE sent");
    Ok(Attempt {
        sip,
        key,
        events,
        grant,
    })
}

/// What the failover task returns: the next attempt (`None`: every trunk tried, or the
/// call stopped meanwhile) and the trunks tried so far.
type Redialled = (Option<Attempt>, Vec<usize>);

/// A failover in progress: a task waiting for budget on the next trunk and dialling it.
/// A task, so that the flow's `select!` dropping `next_event` cannot lose an INVITE
/// half-sent.
#[derive(Debug)]
struct Redial {
    task: JoinHandle<Redialled>,
    /// Tells the task the call stopped (dropped with the dialog: the same).
    stop: Option<oneshot::Sender<()>>,
}

/// Waits for budget on a trunk not in `tried` and dials it, until one takes the INVITE.
async fn redial(
    trunks: Arc<Trunks>,
    request: CallRequest,
    mut tried: Vec<usize>,
    mut stop: oneshot::Receiver<()>,
) -> Redialled {
    loop {
        let grant = tokio::select! {
            grant = trunks.group.acquire(&tried) => grant,
            _ = &mut stop => None,
        };
        let Some(grant) = grant else {
            return (None, tried);
        };
        tried.push(grant.index());
        let Ok(attempt) = place(&trunks, request.clone(), grant).await else {
            continue;
        };
        if !matches!(stop.try_recv(), Err(oneshot::error::TryRecvError::Empty)) {
            // Stopped while the INVITE went out: nobody will read its answer.
            let _ = attempt.sip.cancel(attempt.key);
            return (None, tried);
        }
        return (Some(attempt), tried);
    }
}

/// Whether a failure before the answer is the trunk's (try the next one) rather than the
/// callee's: RFC 3261 503 (the trunk is overloaded or down), 408 and timer B.
fn fails_over(failure: &DialFailure) -> bool {
    matches!(
        failure,
        DialFailure::Response {
            code: 503 | 408,
            ..
        } | DialFailure::Timeout
    )
}

/// The `result` label of an attempt that ended with `failure`.
fn result_label(failure: &DialFailure) -> String {
    match failure {
        DialFailure::Response { code, .. } => code.to_string(),
        DialFailure::Timeout => "timeout".to_owned(),
        DialFailure::Transport | DialFailure::Tls { .. } => "transport".to_owned(),
        _ => "failed".to_owned(),
    }
}

/// One call's signalling over the trunk group, holding its reserved RTP ports until the
/// stream opens (or the call ends, which frees them).
#[derive(Debug)]
pub struct SipDialog {
    trunks: Arc<Trunks>,
    /// The INVITE's inputs, sent again to the next trunk on failover (with fresh SRTP keys).
    request: CallRequest,
    /// Whether the call offers SRTP (`[rtp] srtp`), for the next attempt's keys.
    srtp: SrtpPolicy,
    attempt: Option<Attempt>,
    tried: Vec<usize>,
    redial: Option<Redial>,
    /// What the last trunk answered, reported if no trunk is left.
    last_failure: Option<DialFailure>,
    answered: bool,
    /// The flow cancelled or hung up: no more failover.
    stopping: bool,
    pub(super) ports: Option<LocalPorts>,
    pub(super) seed: u64,
}

impl SipDialog {
    /// A dialog whose first INVITE is `attempt`.
    pub(super) fn new(
        trunks: Arc<Trunks>,
        (request, srtp): (CallRequest, SrtpPolicy),
        attempt: Attempt,
        ports: LocalPorts,
        seed: u64,
    ) -> Self {
        SipDialog {
            trunks,
            request,
            srtp,
            tried: vec![attempt.grant.index()],
            attempt: Some(attempt),
            redial: None,
            last_failure: None,
            answered: false,
            stopping: false,
            ports: Some(ports),
            seed,
        }
    }

    fn record(&self, result: &str) {
        if let Some(a) = &self.attempt {
            self.trunks.group.record_attempt(a.grant.index(), result);
        }
    }

    /// Gives the failed trunk's budget back and starts trying the next trunk; `false` when
    /// no next attempt can be made (no fresh SRTP keys).
    fn fail_over(&mut self, failure: DialFailure) -> bool {
        if let Some(a) = self.attempt.take() {
            info!(trunk = a.grant.name(), failure = %result_label(&failure), "trunk failed the call; trying the next trunk");
        }
        self.last_failure = Some(failure);
        // Fresh keys: the trunk that refused the call saw the old ones in its offer.
        let mut request = self.request.clone();
        match SrtpOffer::generate(self.srtp) {
            Ok(srtp) => request.media.srtp = srtp,
            Err(error) => {
                warn!(%error, "no SRTP keys for the next trunk");
                return false;
            }
        }
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(redial(
            Arc::clone(&self.trunks),
            request,
            self.tried.clone(),
            stopped,
        ));
        self.redial = Some(Redial {
            task,
            stop: Some(stop),
        });
        true
    }

    /// Takes the failover's result: `Some(event)` when the call has to end on it.
    async fn finish_redial(&mut self) -> Option<SignalEvent<NegotiatedMedia>> {
        let redial = self.redial.as_mut()?;
        // Awaiting the handle by reference is cancel-safe: a dropped `next_event` leaves
        // the task running and its result for the next call.
        let outcome = (&mut redial.task).await;
        self.redial = None;
        match outcome {
            Ok((Some(attempt), tried)) => {
                self.tried = tried;
                if self.stopping {
                    let _ = attempt.sip.cancel(attempt.key);
                }
                self.attempt = Some(attempt);
                None
            }
            Ok((None, _)) | Err(_) => {
                let failure = self.last_failure.take().unwrap_or(DialFailure::NoRoute);
                Some(SignalEvent::Failed(failure))
            }
        }
    }

    /// Stops any failover in progress (the flow is ending the call).
    fn stop(&mut self) {
        self.stopping = true;
        if let Some(stop) = self.redial.as_mut().and_then(|r| r.stop.take()) {
            let _ = stop.send(());
        }
    }
}

impl Dialog for SipDialog {
    type Media = NegotiatedMedia;

    async fn next_event(&mut self) -> Option<SignalEvent<NegotiatedMedia>> {
        loop {
            if let Some(end) = self.finish_redial().await {
                return Some(end);
            }
            let Some(attempt) = self.attempt.as_mut() else {
                // Every trunk failed and that was reported: nothing more will come.
                return std::future::pending().await;
            };
            let event = attempt.events.recv().await?;
            let mapped = match event {
                SipEvent::Provisional { code, .. } => SignalEvent::Provisional(code),
                SipEvent::Answered { media, .. } => {
                    if !self.answered {
                        self.answered = true;
                        self.record("answered");
                    }
                    SignalEvent::Answered(media)
                }
                SipEvent::MediaUpdated { media, .. } => SignalEvent::MediaUpdated(media),
                SipEvent::Failed { reason, .. } => {
                    let failure = DialFailure::from(reason);
                    self.record(&result_label(&failure));
                    if !self.answered && !self.stopping && fails_over(&failure) {
                        if self.fail_over(failure) {
                            continue;
                        }
                        let failure = self.last_failure.take().unwrap_or(DialFailure::Local);
                        return Some(SignalEvent::Failed(failure));
                    }
                    SignalEvent::Failed(failure)
                }
                SipEvent::Ended { reason, .. } => match reason {
                    EndReason::RemoteBye => SignalEvent::RemoteHangup,
                    EndReason::LocalBye { .. } => SignalEvent::HangupDone,
                    EndReason::Cancelled { code } => {
                        self.record("cancelled");
                        SignalEvent::Cancelled(code)
                    }
                    // The trunk connection broke: the flow ends the call as it stands.
                    EndReason::TransportError => SignalEvent::Failed(DialFailure::Transport),
                },
                SipEvent::Info {
                    content_type, body, ..
                } => SignalEvent::Info { content_type, body },
                SipEvent::TrunkStatus { .. } => continue,
            };
            return Some(mapped);
        }
    }

    fn cancel(&mut self) {
        self.stop();
        if let Some(a) = &self.attempt
            && a.sip.cancel(a.key).is_err()
        {
            debug!("CANCEL not sent: SIP endpoint stopped");
        }
    }

    fn hangup(&mut self) {
        self.stop();
        if let Some(a) = &self.attempt
            && a.sip.hangup(a.key).is_err()
        {
            debug!("BYE not sent: SIP endpoint stopped");
        }
    }
}

impl From<FailReason> for DialFailure {
    fn from(reason: FailReason) -> Self {
        match reason {
            FailReason::Rejected { code, reason } => DialFailure::Response { code, reason },
            FailReason::Timeout => DialFailure::Timeout,
            FailReason::TransportError => DialFailure::Transport,
            FailReason::Tls { reason } => DialFailure::Tls { reason },
            FailReason::NoCommonCodec(
                e @ (NegotiationError::UnusableAddress(_)
                | NegotiationError::SrtpRequired
                | NegotiationError::NoUsableCrypto),
            ) => DialFailure::MediaRefused {
                reason: e.to_string(),
            },
            FailReason::NoCommonCodec(_) => DialFailure::NoCommonCodec,
            FailReason::AuthFailed { code } => DialFailure::Response {
                code,
                reason: if code == 407 {
                    "Proxy Authentication Required"
                } else {
                    "Unauthorized"
                }
                .to_owned(),
            },
            FailReason::NoTrunk => DialFailure::NoRoute,
        }
    }
}
