//! Which source a stream accepts RTP from: the far end's SDP address, or (symmetric RTP, for
//! a far end behind NAT) one other port on the same IP, taken early and only once.
//!
//! The audio of the stream is the one-time password: whoever the stream accepts packets from
//! is whom it sends to. So the choice is narrow and final: a stranger who sprays packets at
//! the port range must never become the destination.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// How long after the answer a symmetric stream may still re-target (see [`Latching`]).
pub const LATCH_WINDOW: Duration = Duration::from_secs(2);

/// How a stream chooses the source it accepts RTP from (`[rtp] latching`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Latching {
    /// RTP is accepted only from the address and port in the far end's SDP.
    Strict,
    /// The stream may re-target once, for NAT: to a source with the SDP's connection IP, in
    /// the first [`LATCH_WINDOW`] after the answer, before any packet from the SDP address
    /// itself. Once settled the target never moves again.
    #[default]
    Symmetric,
}

impl Latching {
    /// The configuration name: `"strict"` or `"symmetric"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Latching::Strict => "strict",
            Latching::Symmetric => "symmetric",
        }
    }
}

impl FromStr for Latching {
    type Err = crate::RtpError;

    fn from_str(s: &str) -> Result<Self, crate::RtpError> {
        match s.trim() {
            "strict" => Ok(Latching::Strict),
            "symmetric" => Ok(Latching::Symmetric),
            other => Err(crate::RtpError::InvalidLatching(other.to_owned())),
        }
    }
}

/// What to do with a datagram from some source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// From the target: accept it.
    Accept,
    /// From the one source the stream may still re-target to: accept it, and call
    /// [`SourceFilter::latch`] if it turns out to be a valid packet of the stream.
    Candidate,
    /// From anyone else: drop it.
    Reject,
}

/// The sans-IO source check of one stream (time comes in as `now`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SourceFilter {
    /// The far end's SDP address.
    sdp: SocketAddr,
    /// Where packets are accepted from (and sent to).
    target: SocketAddr,
    /// Re-targeting is allowed before this instant only.
    window_end: Instant,
    /// The target is final.
    settled: bool,
}

impl SourceFilter {
    /// A filter for a stream answered at `answered` whose SDP names `sdp`.
    pub(crate) fn new(mode: Latching, sdp: SocketAddr, answered: Instant) -> Self {
        SourceFilter {
            sdp,
            target: sdp,
            window_end: answered + LATCH_WINDOW,
            settled: mode == Latching::Strict,
        }
    }

    /// The address packets are accepted from now.
    pub(crate) fn target(&self) -> SocketAddr {
        self.target
    }

    /// Whether the target can no longer move at `now`.
    pub(crate) fn is_settled(&self, now: Instant) -> bool {
        self.settled || now >= self.window_end
    }

    /// Checks the source of a datagram that arrived at `now`. A packet from the target
    /// settles a symmetric stream: the SDP address spoke, so there is no NAT to follow.
    pub(crate) fn admit(&mut self, now: Instant, from: SocketAddr) -> Admission {
        if from == self.target {
            self.settled = true;
            return Admission::Accept;
        }
        if !self.is_settled(now) && from.ip() == self.sdp.ip() {
            Admission::Candidate
        } else {
            Admission::Reject
        }
    }

    /// Re-targets to `from` (a [`Admission::Candidate`] that carried a valid packet of the
    /// stream) and settles for good.
    pub(crate) fn latch(&mut self, from: SocketAddr) {
        self.target = from;
        self.settled = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for mode in [Latching::Strict, Latching::Symmetric] {
            assert_eq!(mode.as_str().parse::<Latching>().unwrap(), mode);
        }
        assert!("any".parse::<Latching>().is_err());
        assert_eq!(Latching::default(), Latching::Symmetric);
    }

    #[test]
    fn a_settled_filter_rejects_even_the_sdp_ip_after_the_window() {
        let t0 = Instant::now();
        let mut f = SourceFilter::new(Latching::Symmetric, addr("192.0.2.1:4000"), t0);
        let later = t0 + LATCH_WINDOW;
        assert_eq!(f.admit(later, addr("192.0.2.1:4002")), Admission::Reject);
        assert_eq!(f.admit(later, addr("192.0.2.1:4000")), Admission::Accept);
        assert!(f.is_settled(later));
    }
}
