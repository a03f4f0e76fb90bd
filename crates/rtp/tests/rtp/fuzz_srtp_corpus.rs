//! Every checked-in fuzz corpus input for `srtp` (RTP with CSRC, extension and padding, a
//! telephone-event, an RTCP compound), and truncations and bit flips of them, go through
//! SRTP/SRTCP unprotect without panicking, and whatever can be protected comes back
//! unchanged through unprotect with the same key.

use std::path::PathBuf;

use crate::common::mutate::{Mutations, feed_mutations};

#[path = "../../../../fuzz/harness/srtp.rs"]
mod harness;

use harness::run as feed;

#[test]
fn corpus_and_mutations_never_panic_and_round_trip() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/srtp");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        files += 1;
        let how = Mutations {
            cut_step: 1,
            seed: 0x2545_f491_u32,
            rounds: 200,
            flips: 3,
        };
        feed_mutations(&data, how, |input| {
            feed(input);
        });
    }
    assert!(files >= 4, "corpus missing: {}", dir.display());
}
