//! Replays the checked-in fuzz corpus (`fuzz/corpus/rfc4733/`), plus
//! truncations and bit flips of every file, through the same code as the
//! fuzz target: the RFC 4733 tracker and the SIP INFO parser must return
//! (Ok or Err) and never panic.

use std::time::{Duration, Instant};
use voice_otp_dtmf::{Rfc4733Tracker, parse_sip_info};

/// Mirrors `fuzz/fuzz_targets/rfc4733.rs`: the input is a sequence of
/// records `[len, ssrc_lo, ts_lo, flags, payload[len]]`; odd flags also
/// parse the payload as a SIP INFO body.
fn run(data: &[u8]) {
    let t0 = Instant::now();
    let mut t = Rfc4733Tracker::new(t0);
    let mut i = 0;
    let mut ms = 0u64;
    while i + 4 <= data.len() {
        let len = usize::from(data[i] % 16);
        let ssrc = u32::from(data[i + 1] % 3);
        let ts = u32::from(data[i + 2]) << 8;
        let flags = data[i + 3];
        let payload = &data[(i + 4).min(data.len())..(i + 4 + len).min(data.len())];
        ms += u64::from(flags >> 4) * 20;
        let now = t0 + Duration::from_millis(ms);
        let _ = t.handle_packet(now, ssrc, i as u16, ts, flags & 2 != 0, payload);
        if flags & 1 != 0 {
            let _ = parse_sip_info("application/dtmf-relay", payload);
            let _ = parse_sip_info("application/dtmf", payload);
        }
        if flags & 4 != 0 {
            t.handle_timeout(now + Duration::from_millis(300));
        }
        while t.poll_event().is_some() {}
        let _ = t.poll_timeout();
        i += 4 + len;
    }
}

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
