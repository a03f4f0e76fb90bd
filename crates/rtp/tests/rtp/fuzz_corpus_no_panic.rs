//! Every checked-in fuzz corpus input for `rtp_packet` (SIPp capture packets, RTP with CSRC,
//! extension and padding, RTCP compounds), and truncations and bit flips of them, go through
//! the RTP parser, the RTCP parser and the receiver without panicking; the well-formed ones
//! parse.

use std::path::PathBuf;

use voice_otp_rtp::{Ssrc, parse_compound, parse_rtp};

#[path = "../../../../fuzz/harness/rtp_packet.rs"]
mod harness;

use harness::run as feed;

#[test]
fn corpus_and_mutations_never_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/rtp_packet");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        files += 1;
        match path.extension().and_then(|e| e.to_str()) {
            Some("rtp") => assert!(parse_rtp(&data).is_ok(), "{}", path.display()),
            Some("rtcp") => assert!(parse_compound(&data, Ssrc(0)).is_ok(), "{}", path.display()),
            _ => {}
        }
        for cut in 0..=data.len() {
            feed(&data[..cut]);
        }
        let mut seed = 0x9e37_79b9_u32;
        for _ in 0..500 {
            let mut m = data.clone();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let i = seed as usize % m.len().max(1);
                if let Some(b) = m.get_mut(i) {
                    *b ^= 1 << (seed % 8);
                }
            }
            feed(&m);
        }
    }
    assert!(files >= 5, "corpus missing: {}", dir.display());
}
