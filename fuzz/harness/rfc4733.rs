//! What the `rfc4733` fuzz target does with one input, shared with the corpus replay test
//! `crates/dtmf/tests/rfc4733_fuzz_corpus.rs`. The input is a sequence of records
//! `[len, ssrc, ts, flags, payload[len % 16]]`: the RFC 4733 tracker and the SIP INFO parser
//! must return (Ok or Err) and never panic.

use std::time::{Duration, Instant};
use voice_otp_dtmf::{Rfc4733Tracker, parse_sip_info};

/// Feeds one fuzz input through the tracker and the SIP INFO parser.
pub(crate) fn run(data: &[u8]) {
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
