//! Replays the checked-in corpus of the `rtp_receive` fuzz target
//! (`fuzz/corpus/rtp_receive/`), and truncations and bit flips of every file, through the
//! same code as the target: a receiver fed many datagrams in virtual time, its promises
//! (a settled stream never moves, one re-target at most, only to the SDP's IP, inside the
//! window; counts add up) checked after every datagram. The hand-made inputs also reach the
//! deep paths: an in-band key across packets, a NAT latch with an RFC 4733 key over a
//! sequence wrap, strangers refused.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::common::mutate::{Mutations, feed_mutations};

#[path = "../../../../fuzz/harness/rtp_receive.rs"]
mod harness;

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap()
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/rtp_receive")
}

#[test]
fn corpus_and_mutations_keep_the_receivers_promises() {
    let mut files = 0;
    for entry in std::fs::read_dir(dir()).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        files += 1;
        let how = Mutations {
            cut_step: 7,
            seed: 0x2545_f491_u32,
            rounds: 300,
            flips: 4,
        };
        feed_mutations(&data, how, |input| {
            harness::run(input);
        });
    }
    assert!(files >= 4, "corpus missing: {}", dir().display());
}

#[test]
fn the_corpus_reaches_the_detectors_and_the_latch() {
    let inband = harness::run(&corpus("inband-5-from-sdp"));
    assert_eq!(inband.digits, "5");
    assert_eq!((inband.accepted, inband.latched), (30, None));

    let nat = harness::run(&corpus("nat-latch-rfc4733-1-seq-wrap"));
    let port_of_the_sdp_ip: SocketAddr = "192.0.2.10:30002".parse().unwrap();
    assert_eq!(nat.latched, Some(port_of_the_sdp_ip));
    assert_eq!(nat.digits, "1");
    assert_eq!(
        nat.rejected_source, 6,
        "the stranger and the late SDP address"
    );

    let strict = harness::run(&corpus("strict-pcmu-ssrc-change-gap"));
    assert_eq!(strict.digits, "#");
    assert_eq!(strict.latched, None);
    assert_eq!(strict.rejected_source, 5);

    let late = harness::run(&corpus("late-candidate-then-sdp-lost-end"));
    assert_eq!(late.latched, None);
    assert_eq!((late.accepted, late.rejected_source), (3, 1));
    assert_eq!(
        late.digits, "#",
        "a key whose end packets were lost still ends"
    );
}
