//! What the `rtp_packet` fuzz target does with one datagram, shared with the corpus replay
//! test `crates/rtp/tests/fuzz_corpus_no_panic.rs`: the RTP header parser, the compound RTCP
//! parser and the whole receiver path (validation, G.711 decode, DTMF, statistics).

use std::time::Instant;

use voice_otp_rtp::{
    Codec, Latching, PayloadType, ReceiverConfig, RtpReceiver, Ssrc, parse_compound, parse_rtp,
};

/// Feeds one datagram through every parser of incoming media.
pub(crate) fn run(data: &[u8]) {
    let _ = parse_rtp(data);
    let _ = parse_compound(data, Ssrc(0x1234_5678));
    let peer = "127.0.0.1:40000".parse().unwrap();
    let now = Instant::now();
    let mut r = RtpReceiver::new(
        ReceiverConfig {
            codec: Codec::Pcmu,
            payload_type: PayloadType::PCMU,
            telephone_event: PayloadType::new(101),
            remote: peer,
            latching: Latching::Symmetric,
        },
        now,
    );
    let _ = r.handle_datagram(now, peer, data);
    while r.poll_event().is_some() {}
    let _ = r.stats();
}
