//! What the `rtp_receive` fuzz target does with one input, shared with the corpus replay
//! test `crates/rtp/tests/rtp/fuzz_rtp_receive_corpus.rs`: a whole stream's receive side over
//! many datagrams in virtual time (sequence statistics across SSRC changes and wraps, the
//! source check and symmetric latching, the in-band detector and the RFC 4733 tracker across
//! packets), checking the receiver's promises after every step.
//!
//! Input: one byte of settings (bit 0: strict latching, bit 1: PCMU instead of PCMA), then
//! records of a 4-byte head `[source, dt_lo, dt_hi, len]` and `len` bytes of datagram (the
//! rest of the input when shorter). `source & 7`: 0 the SDP address, 1..=5 other ports of
//! the SDP's IP, 6 and 7 other IPs. `dt` is the time since the previous datagram in ms.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use voice_otp_rtp::{
    Codec, LATCH_WINDOW, Latching, PayloadType, ReceiverConfig, ReceiverEvent, RtpReceiver, Verdict,
};

const SDP_PORT: u16 = 30_000;

fn source(selector: u8) -> SocketAddr {
    match selector & 7 {
        0 => SocketAddr::from(([192, 0, 2, 10], SDP_PORT)),
        n @ 1..=5 => SocketAddr::from(([192, 0, 2, 10], SDP_PORT + 2 * u16::from(n))),
        6 => SocketAddr::from(([192, 0, 2, 11], SDP_PORT)),
        _ => SocketAddr::from(([203, 0, 113, 9], 5004)),
    }
}

/// What a run saw, for the replay test to check that the corpus reaches deep.
#[derive(Debug, Default)]
#[allow(dead_code)] // the fuzz target only needs the run
pub(crate) struct Summary {
    /// Where the stream re-targeted to, if it did.
    pub(crate) latched: Option<SocketAddr>,
    /// The keys reported, in order.
    pub(crate) digits: String,
    /// Datagrams accepted.
    pub(crate) accepted: u64,
    /// Datagrams dropped for their source.
    pub(crate) rejected_source: u64,
}

/// Feeds one input through a receiver; panics when a promise is broken.
pub(crate) fn run(data: &[u8]) -> Summary {
    let mut summary = Summary::default();
    let Some((&settings, mut rest)) = data.split_first() else {
        return summary;
    };
    let latching = if settings & 1 == 1 {
        Latching::Strict
    } else {
        Latching::Symmetric
    };
    let (codec, payload_type) = if settings & 2 == 2 {
        (Codec::Pcmu, PayloadType::PCMU)
    } else {
        (Codec::Pcma, PayloadType::PCMA)
    };
    let sdp = source(0);
    let answered = Instant::now();
    let mut r = RtpReceiver::new(
        ReceiverConfig {
            codec,
            payload_type,
            telephone_event: PayloadType::new(101),
            remote: sdp,
            latching,
        },
        answered,
    );
    let mut now = answered;
    while rest.len() >= 4 {
        let (head, tail) = rest.split_at(4);
        let len = usize::from(head[3]).min(tail.len());
        let (datagram, tail) = tail.split_at(len);
        rest = tail;
        now += Duration::from_millis(u64::from(u16::from_le_bytes([head[1], head[2]])));
        let from = source(head[0]);
        let settled_before = r.is_settled(now);
        let target_before = r.remote();
        if let Some(at) = r.poll_timeout().filter(|at| *at <= now) {
            r.handle_timeout(at);
        }
        match r.handle_datagram(now, from, datagram) {
            Ok(Verdict::Accepted) => {
                summary.accepted += 1;
                // Only the target, or (unsettled) a port of the SDP's IP, gets in.
                assert!(from == target_before || (!settled_before && from.ip() == sdp.ip()));
            }
            Ok(Verdict::WrongSource) => {
                summary.rejected_source += 1;
                assert!(from != target_before);
            }
            Ok(Verdict::WrongPayloadType) | Err(_) => {}
        }
        if settled_before {
            assert_eq!(r.remote(), target_before, "a settled stream moved");
        }
        drain(&mut r, &mut summary, now, answered, latching);
    }
    r.finish(now);
    drain(&mut r, &mut summary, now, answered, latching);
    let stats = r.stats();
    assert_eq!(stats.packets, summary.accepted);
    assert_eq!(stats.rejected_source, summary.rejected_source);
    let _ = r.report_block();
    let _ = stats.loss_fraction();
    summary
}

/// Takes the receiver's events: a re-target happens once, in symmetric mode, to the SDP's
/// IP, inside the window, and is where the stream now sends.
fn drain(
    r: &mut RtpReceiver,
    summary: &mut Summary,
    now: Instant,
    answered: Instant,
    latching: Latching,
) {
    while let Some(event) = r.poll_event() {
        match event {
            ReceiverEvent::Latched(to) => {
                assert!(summary.latched.is_none(), "re-targeted twice");
                assert_eq!(latching, Latching::Symmetric);
                assert_eq!(to.ip(), source(0).ip());
                assert!(now < answered + LATCH_WINDOW);
                assert_eq!(to, r.remote());
                summary.latched = Some(to);
            }
            ReceiverEvent::Dtmf(press) => summary.digits.push(press.digit.as_char()),
        }
    }
}
