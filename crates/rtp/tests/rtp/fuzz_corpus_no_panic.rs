//! Every checked-in fuzz corpus input for `rtp_packet` (SIPp capture packets, RTP with CSRC,
//! extension and padding, RTCP compounds), and truncations and bit flips of them, go through
//! the RTP parser, the RTCP parser and the receiver without panicking; the well-formed ones
//! parse.

use std::path::PathBuf;

use voice_otp_rtp::{Ssrc, parse_compound, parse_rtp};

use crate::common::mutate::{Mutations, feed_mutations};

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
        let how = Mutations {
            cut_step: 1,
            seed: 0x9e37_79b9_u32,
            rounds: 500,
            flips: 3,
        };
        feed_mutations(&data, how, |input| {
            feed(input);
        });
    }
    assert!(files >= 5, "corpus missing: {}", dir.display());
}
