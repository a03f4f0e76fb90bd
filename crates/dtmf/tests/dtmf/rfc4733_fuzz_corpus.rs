//! Replays the checked-in fuzz corpus (`fuzz/corpus/rfc4733/`), plus
//! truncations and bit flips of every file, through the same code as the
//! fuzz target: the RFC 4733 tracker and the SIP INFO parser must return
//! (Ok or Err) and never panic.

#[path = "../../../../fuzz/harness/rfc4733.rs"]
mod harness;

use harness::run;

#[test]
fn corpus_and_mutations_never_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/rfc4733");
    let mut files = 0;
    for entry in std::fs::read_dir(dir).expect("fuzz/corpus/rfc4733 exists") {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        files += 1;
        run(&data);
        for cut in 0..data.len() {
            run(&data[..cut]);
        }
        for bit in 0..data.len() * 8 {
            let mut m = data.clone();
            m[bit / 8] ^= 1 << (bit % 8);
            run(&m);
        }
    }
    assert!(files >= 5, "corpus has {files} files");
}
