//! Who a stream accepts RTP from, in virtual time (issue 11 item 1): strict takes only the
//! SDP address and port; symmetric may re-target once, only to the SDP's IP, only within
//! `LATCH_WINDOW` of the answer and only before the SDP address itself spoke; once settled the
//! target never moves. Everyone else is dropped and counted, whatever they send.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::common::packets::rtp;
use voice_otp_rtp::{
    Codec, LATCH_WINDOW, Latching, PayloadType, ReceiverConfig, ReceiverEvent, RtpReceiver, Verdict,
};

const SDP: &str = "192.0.2.10:30000";
/// Behind the callee's NAT: the SDP's IP, another port.
const NAT: &str = "192.0.2.10:41234";
/// A stranger on another address.
const STRANGER: &str = "203.0.113.9:5004";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn receiver(latching: Latching, answered: Instant) -> RtpReceiver {
    RtpReceiver::new(
        ReceiverConfig {
            codec: Codec::Pcma,
            payload_type: PayloadType::PCMA,
            telephone_event: PayloadType::new(101),
            remote: addr(SDP),
            latching,
        },
        answered,
    )
}

/// A PCMA packet with sequence number `seq` (PT 8) or a PCMU one (PT 0, not negotiated).
fn audio(pt: u8, seq: u16) -> Vec<u8> {
    rtp(pt, seq == 1, seq, u32::from(seq) * 160, 77, &[0xd5; 160])
}

fn feed(r: &mut RtpReceiver, at: Instant, from: &str, seq: u16) -> Verdict {
    r.handle_datagram(at, addr(from), &audio(8, seq)).unwrap()
}

fn latched(r: &mut RtpReceiver) -> Vec<SocketAddr> {
    std::iter::from_fn(|| r.poll_event())
        .filter_map(|e| match e {
            ReceiverEvent::Latched(a) => Some(a),
            ReceiverEvent::Dtmf(_) => None,
        })
        .collect()
}

#[test]
fn strict_accepts_only_the_sdp_address_and_port() {
    let t0 = Instant::now();
    let mut r = receiver(Latching::Strict, t0);
    assert!(r.is_settled(t0));
    assert_eq!(feed(&mut r, t0, NAT, 1), Verdict::WrongSource);
    assert_eq!(feed(&mut r, t0, STRANGER, 2), Verdict::WrongSource);
    assert_eq!(feed(&mut r, t0, SDP, 3), Verdict::Accepted);
    assert!(latched(&mut r).is_empty());
    assert_eq!(r.remote(), addr(SDP));
    let s = r.stats();
    assert_eq!((s.packets, s.rejected_source), (1, 2));
}

#[test]
fn symmetric_follows_the_sdp_ip_once_within_the_window() {
    let t0 = Instant::now();
    let mut r = receiver(Latching::Symmetric, t0);
    let at = t0 + LATCH_WINDOW - Duration::from_millis(1);
    assert!(!r.is_settled(at));
    assert_eq!(feed(&mut r, at, NAT, 1), Verdict::Accepted);
    assert_eq!(latched(&mut r), [addr(NAT)]);
    assert_eq!(r.remote(), addr(NAT));
    assert!(r.is_settled(at));
    // Settled: neither another port of the same IP nor the SDP address itself moves it.
    assert_eq!(
        feed(&mut r, at, "192.0.2.10:41236", 2),
        Verdict::WrongSource
    );
    assert_eq!(feed(&mut r, at, SDP, 3), Verdict::WrongSource);
    assert_eq!(feed(&mut r, at, NAT, 4), Verdict::Accepted);
    assert!(latched(&mut r).is_empty());
    assert_eq!(r.stats().rejected_source, 2);
}

#[test]
fn symmetric_never_follows_another_ip() {
    let t0 = Instant::now();
    let mut r = receiver(Latching::Symmetric, t0);
    for seq in 1..50 {
        assert_eq!(feed(&mut r, t0, STRANGER, seq), Verdict::WrongSource);
        assert_eq!(
            feed(&mut r, t0, "127.0.0.1:30000", seq),
            Verdict::WrongSource
        );
    }
    assert!(latched(&mut r).is_empty());
    assert_eq!(r.remote(), addr(SDP));
    // The strangers settled nothing: the callee behind NAT still gets in.
    assert_eq!(feed(&mut r, t0, NAT, 1), Verdict::Accepted);
    assert_eq!(latched(&mut r), [addr(NAT)]);
    assert_eq!(r.stats().packets, 1);
    assert_eq!(r.stats().rejected_source, 98);
}

#[test]
fn symmetric_settles_on_the_sdp_address_when_it_speaks_first() {
    let t0 = Instant::now();
    let mut r = receiver(Latching::Symmetric, t0);
    assert_eq!(feed(&mut r, t0, SDP, 1), Verdict::Accepted);
    assert!(r.is_settled(t0));
    assert_eq!(
        feed(&mut r, t0 + Duration::from_millis(20), NAT, 2),
        Verdict::WrongSource
    );
    assert!(latched(&mut r).is_empty());
    assert_eq!(r.remote(), addr(SDP));
}

#[test]
fn symmetric_settles_on_the_sdp_address_when_the_window_passes_in_silence() {
    let t0 = Instant::now();
    let mut r = receiver(Latching::Symmetric, t0);
    let late = t0 + LATCH_WINDOW;
    assert!(r.is_settled(late));
    assert_eq!(feed(&mut r, late, NAT, 1), Verdict::WrongSource);
    assert_eq!(
        feed(&mut r, late + Duration::from_secs(60), NAT, 2),
        Verdict::WrongSource
    );
    assert_eq!(feed(&mut r, late, SDP, 3), Verdict::Accepted);
    assert!(latched(&mut r).is_empty());
}

#[test]
fn a_candidate_latches_only_with_a_valid_packet_of_the_stream() {
    let t0 = Instant::now();
    let mut r = receiver(Latching::Symmetric, t0);
    // Wrong payload type and garbage from the NAT port: dropped, no re-target.
    let pcmu = audio(0, 1);
    assert_eq!(
        r.handle_datagram(t0, addr(NAT), &pcmu).unwrap(),
        Verdict::WrongPayloadType
    );
    assert!(r.handle_datagram(t0, addr(NAT), &[0x80, 8, 0]).is_err());
    assert!(latched(&mut r).is_empty());
    assert!(!r.is_settled(t0));
    // A second port of the same IP sends a real packet first: it wins, for good.
    assert_eq!(feed(&mut r, t0, "192.0.2.10:41236", 2), Verdict::Accepted);
    assert_eq!(latched(&mut r), [addr("192.0.2.10:41236")]);
    assert_eq!(feed(&mut r, t0, NAT, 3), Verdict::WrongSource);
}
