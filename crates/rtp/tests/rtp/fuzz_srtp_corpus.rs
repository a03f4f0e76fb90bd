//! Every checked-in fuzz corpus input for `srtp` (RTP with CSRC, extension and padding, a
//! telephone-event, an RTCP compound), and truncations and bit flips of them, go through
//! SRTP/SRTCP unprotect without panicking, and whatever can be protected comes back
//! unchanged through unprotect with the same key.

use std::path::PathBuf;

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
        for cut in 0..=data.len() {
            feed(&data[..cut]);
        }
        let mut seed = 0x2545_f491_u32;
        for _ in 0..200 {
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
    assert!(files >= 4, "corpus missing: {}", dir.display());
}
