//! The sender's packets sit exactly on a 20 ms grid: no drift over a minute of virtual time.

use std::time::Duration;

use crate::common::Harness;
use voice_otp_rtp::{Codec, PTIME};

#[test]
fn packets_are_exactly_20ms_apart_for_a_minute() {
    let mut h = Harness::new(Codec::Pcma, 7);
    h.sender.play(crate::common::prompt(1000, 0));
    h.run_until(Duration::from_secs(60));
    // 0 ms .. 60 000 ms inclusive.
    assert_eq!(h.rtp.len(), 3001);
    for (i, p) in h.rtp.iter().enumerate() {
        assert_eq!(h.elapsed(p.at), PTIME * i as u32, "packet {i} off the grid");
    }
    for w in h.rtp.windows(2) {
        assert_eq!(w[1].at - w[0].at, PTIME);
    }
    crate::common::assert_continuous(&h.rtp, 160);
}

#[test]
fn deadline_is_the_next_grid_point_even_when_woken_early_or_slightly_late() {
    let mut h = Harness::new(Codec::Pcmu, 8);
    h.fire(h.start);
    assert_eq!(h.sender.poll_timeout(), Some(h.start + PTIME));
    // An early wake-up sends nothing and keeps the deadline.
    h.fire(h.start + Duration::from_millis(15));
    assert_eq!(h.rtp.len(), 1);
    assert_eq!(h.sender.poll_timeout(), Some(h.start + PTIME));
    // 3 ms late: one packet, and the next deadline is back on the grid (40 ms), not 43 ms.
    h.fire(h.start + Duration::from_millis(23));
    assert_eq!(h.rtp.len(), 2);
    assert_eq!(h.sender.poll_timeout(), Some(h.start + 2 * PTIME));
}
