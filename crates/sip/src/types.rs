//! Values that cross the user agent's boundary: requests, events, transmits, newtypes.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;

use crate::sdp::{Codec, NegotiatedMedia, NegotiationError};

/// Identifies one outbound call inside a [`UserAgent`](crate::UserAgent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallKey(pub u64);

impl fmt::Display for CallKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call-{}", self.0)
    }
}

/// A SIP Call-ID, for logs and CDRs (it identifies the call at the trunk's side too).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallId(pub String);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// SIP transport protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Transport {
    /// UDP: the user agent retransmits (timers A and E).
    #[default]
    Udp,
    /// TCP with Content-Length framing: no retransmissions, zero-length wait timers.
    Tcp,
    /// TLS over TCP (RFC 3261 26.2, RFC 5630): framed and timed as TCP.
    Tls,
}

impl Transport {
    /// Token used in Via (`UDP`/`TCP`/`TLS`).
    pub fn via_token(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
        }
    }

    /// The `transport` URI parameter of our Request-URI and Contact, so that requests
    /// towards us come back over the same kind of connection. TLS is `;transport=tls`
    /// on a `sip:` URI, not `sips:`: `sips:` would ask every hop up to the callee for
    /// TLS (RFC 5630 3.1.3), which a trunk towards the phone network cannot give, while
    /// the hop to the trunk is the one we protect.
    pub fn uri_param(self) -> &'static str {
        match self {
            Transport::Udp => "",
            Transport::Tcp => ";transport=tcp",
            Transport::Tls => ";transport=tls",
        }
    }

    /// Whether the transport is a reliable stream (no retransmissions, RFC 3261 17.1).
    pub fn is_reliable(self) -> bool {
        !matches!(self, Transport::Udp)
    }
}

/// One message for the driver to put on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send it.
    pub destination: SocketAddr,
    /// Over which transport.
    pub transport: Transport,
    /// The whole SIP message.
    pub payload: Bytes,
}

/// The trunk a call goes to: the resolved address and the host written into URIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkTarget {
    /// Resolved address every request of the call is sent to.
    pub addr: SocketAddr,
    /// Host (optionally `:port`) for the Request-URI and To: `sip:<callee>@<host>`.
    pub host: String,
}

/// Inputs of our SDP offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaOffer {
    /// Local RTP address (IP and port) written into `c=` and `m=`.
    pub rtp: SocketAddr,
    /// Codecs in preference order.
    pub codecs: Vec<Codec>,
    /// Payload type for `telephone-event/8000` (101 by convention), `None` to not offer it.
    pub telephone_event_pt: Option<u8>,
    /// Packet time in milliseconds.
    pub ptime: u32,
    /// SRTP (SDES) to offer, with fresh keys; `None` for plain RTP (`[rtp] srtp = "off"`).
    pub srtp: Option<crate::sdes::SrtpOffer>,
}

impl MediaOffer {
    /// PCMA, PCMU and telephone-event on 101, ptime 20.
    pub fn g711(rtp: SocketAddr) -> Self {
        MediaOffer {
            rtp,
            codecs: vec![Codec::Pcma, Codec::Pcmu],
            telephone_event_pt: Some(101),
            ptime: 20,
            srtp: None,
        }
    }
}

/// One call to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRequest {
    /// Callee number (E.164), the user part of the Request-URI.
    pub callee: String,
    /// Caller number, shown in From (unless `anonymous`) and always in P-Asserted-Identity.
    pub caller: String,
    /// Hide the caller ID (RFC 3323 `Privacy: id`).
    pub anonymous: bool,
    /// Trunk for this call; `None` uses the user agent's configured trunk.
    pub trunk: Option<TrunkTarget>,
    /// Our SDP offer.
    pub media: MediaOffer,
    /// Extra headers added to the INVITE as written.
    pub extra_headers: Vec<(String, String)>,
}

/// Why a call that was never answered failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailReason {
    /// The far end sent a final non-2xx response.
    Rejected {
        /// Status code.
        code: u16,
        /// Reason phrase.
        reason: String,
    },
    /// Timer B: no response to the INVITE at all.
    Timeout,
    /// The driver reported that the transport failed (e.g. TCP connect refused).
    TransportError,
    /// The TLS connection to the trunk could not be set up; never retried in clear.
    Tls {
        /// Why, e.g. `TLS certificate not trusted: invalid peer certificate: UnknownIssuer`.
        reason: String,
    },
    /// The answer was not usable; we ACKed and sent BYE.
    NoCommonCodec(NegotiationError),
    /// Authentication failed: no credentials, or the server challenged the same nonce again.
    AuthFailed {
        /// The 401 or 407 that ended it.
        code: u16,
    },
    /// Neither the request nor the user agent names a trunk.
    NoTrunk,
}

/// Why an answered (or locally cancelled) call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// The far end sent BYE.
    RemoteBye,
    /// We sent BYE; the final response code, or `None` if timer F fired.
    LocalBye {
        /// Final response to our BYE.
        code: Option<u16>,
    },
    /// The connection to the trunk broke (TCP closed or reset) during the call.
    TransportError,
    /// We cancelled before the answer; the INVITE's final code (487 normally, 200 if the
    /// answer raced the CANCEL and was BYEd, `None` if nothing came).
    Cancelled {
        /// Final response to the INVITE.
        code: Option<u16>,
    },
}

/// What the user agent reports. Each call ends with exactly one `Failed` or `Ended`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SipEvent {
    /// A provisional response other than 100.
    Provisional {
        /// The call.
        key: CallKey,
        /// Status code (180, 183, ...).
        code: u16,
        /// Reason phrase.
        reason: String,
        /// Negotiated early media when a 183 (or 180) carried a usable SDP answer.
        early_media: Option<NegotiatedMedia>,
    },
    /// The call was answered and the media agreed.
    Answered {
        /// The call.
        key: CallKey,
        /// What to send and where.
        media: NegotiatedMedia,
    },
    /// The far end changed the media with a re-INVITE or UPDATE.
    MediaUpdated {
        /// The call.
        key: CallKey,
        /// The new agreement.
        media: NegotiatedMedia,
    },
    /// The call was never answered.
    Failed {
        /// The call.
        key: CallKey,
        /// Why.
        reason: FailReason,
    },
    /// The call ended after an answer, or our cancel completed.
    Ended {
        /// The call.
        key: CallKey,
        /// Why.
        reason: EndReason,
    },
    /// The far end sent INFO in the dialog (already answered with 200).
    Info {
        /// The call.
        key: CallKey,
        /// Content-Type (e.g. `application/dtmf-relay`).
        content_type: String,
        /// Body.
        body: Bytes,
    },
    /// Result of an OPTIONS keepalive to the trunk.
    TrunkStatus {
        /// Whether the trunk answered at all.
        reachable: bool,
    },
}

impl SipEvent {
    /// The call this event belongs to, if any.
    pub fn key(&self) -> Option<CallKey> {
        match self {
            SipEvent::Provisional { key, .. }
            | SipEvent::Answered { key, .. }
            | SipEvent::MediaUpdated { key, .. }
            | SipEvent::Failed { key, .. }
            | SipEvent::Ended { key, .. }
            | SipEvent::Info { key, .. } => Some(*key),
            SipEvent::TrunkStatus { .. } => None,
        }
    }

    /// Whether this is the call's last event.
    pub fn is_terminal(&self) -> bool {
        matches!(self, SipEvent::Failed { .. } | SipEvent::Ended { .. })
    }
}

/// RFC 3261 timer base values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// RTT estimate (500 ms).
    pub t1: Duration,
    /// Maximum non-INVITE retransmit interval (4 s).
    pub t2: Duration,
    /// Maximum time a message stays in the network (5 s).
    pub t4: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

/// Configuration of the sans-IO user agent.
#[derive(Debug, Clone)]
pub struct UaConfig {
    /// Address written into Via and Contact (must be reachable by the trunk).
    pub local_addr: SocketAddr,
    /// Transport used for every request.
    pub transport: Transport,
    /// Domain in From and P-Asserted-Identity (`sip:<caller>@<from_domain>`).
    pub from_domain: String,
    /// User-Agent header value.
    pub user_agent: String,
    /// Digest username; empty = no credentials.
    pub username: String,
    /// Digest password.
    pub password: String,
    /// Default trunk for calls that name none; also the OPTIONS keepalive target.
    pub trunk: Option<TrunkTarget>,
    /// Send OPTIONS to the trunk this often (`None` = never).
    pub keepalive: Option<Duration>,
    /// Seed for tags, branches, Call-IDs and cnonces.
    pub seed: u64,
    /// Timer values.
    pub timers: Timers,
}
