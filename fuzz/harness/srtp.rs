//! What the `srtp` fuzz target does with one datagram, shared with the corpus replay test
//! `crates/rtp/tests/rtp/fuzz_srtp_corpus.rs`: SRTP and SRTCP unprotect of anything off the
//! wire (errors, never panics), and for every input that can be protected, a round trip
//! through protect and unprotect with the same key gives the input back.

use voice_otp_rtp::{SrtpInbound, SrtpOutbound, SrtpSuite};

/// A fixed master key and salt: the target looks for panics and broken round trips, not
/// for the key.
const KEY: [u8; 30] = [0x2b; 30];

/// Feeds one datagram through both directions of both suites.
pub(crate) fn run(data: &[u8]) {
    for suite in SrtpSuite::ALL {
        let mut rx = SrtpInbound::new(suite, &KEY).unwrap();
        let _ = rx.unprotect_rtp(data);
        let _ = rx.unprotect_rtcp(data);
        let mut tx = SrtpOutbound::new(suite, &KEY).unwrap();
        let mut rx = SrtpInbound::new(suite, &KEY).unwrap();
        if let Ok(wire) = tx.protect_rtp(data) {
            let plain = rx.unprotect_rtp(&wire).expect("our own SRTP packet");
            assert_eq!(&plain[..], data);
        }
        if let Ok(wire) = tx.protect_rtcp(data) {
            let plain = rx.unprotect_rtcp(&wire).expect("our own SRTCP packet");
            assert_eq!(&plain[..], data);
        }
    }
}
