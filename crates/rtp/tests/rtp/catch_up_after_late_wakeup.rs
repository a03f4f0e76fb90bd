//! After a late wake-up the sender sends one packet per wake-up, at least 10 ms apart, until
//! it is back on the 20 ms grid: no burst, no lost sequence numbers, timestamps on the grid.
//! Beyond 200 ms late it jumps forward instead (marker set, timestamp follows wall time).

use std::time::Duration;

use crate::common::Harness;
use voice_otp_rtp::{Codec, MIN_CATCH_UP_GAP, PTIME};

#[test]
fn a_70ms_late_wakeup_catches_up_without_burst() {
    let mut h = Harness::new(Codec::Pcma, 5);
    h.sender.play(crate::common::prompt(500, 0));
    h.run_until(Duration::from_millis(100)); // packets at 0..=100 ms
    assert_eq!(h.rtp.len(), 6);
    // The thread slept through 120, 140, 160: woken at 190 ms.
    let late = h.start + Duration::from_millis(190);
    h.fire(late);
    assert_eq!(h.rtp.len(), 7, "one packet per wake-up, not four");
    // Keep waking exactly at the deadlines the sender asks for.
    while h.sender.poll_timeout().unwrap() <= h.start + Duration::from_millis(600) {
        let at = h.sender.poll_timeout().unwrap();
        let before = h.rtp.len();
        h.fire(at);
        assert!(h.rtp.len() - before <= 1);
    }
    for w in h.rtp.windows(2) {
        assert!(
            w[1].at - w[0].at >= MIN_CATCH_UP_GAP,
            "burst at {:?}",
            h.elapsed(w[1].at)
        );
    }
    crate::common::assert_continuous(&h.rtp, 160);
    // Back on the grid: the last packets are exactly at multiples of 20 ms, and the packet
    // count equals the number of grid slots, so nothing was skipped.
    let last = h.rtp.last().unwrap();
    assert_eq!(h.elapsed(last.at), Duration::from_millis(600));
    assert_eq!(h.rtp.len(), 31);
    let tail = &h.rtp[h.rtp.len() - 5..];
    for w in tail.windows(2) {
        assert_eq!(w[1].at - w[0].at, PTIME);
    }
    assert_eq!(h.sender.stats().jumps, 0);
}

#[test]
fn a_one_second_stall_jumps_forward_with_marker() {
    let mut h = Harness::new(Codec::Pcmu, 6);
    h.run_until(Duration::from_millis(40)); // 0, 20, 40
    h.fire(h.start + Duration::from_millis(1050));
    let p = h.rtp.last().unwrap();
    assert!(p.view.marker);
    assert_eq!(p.view.seq.0, h.rtp[2].view.seq.0.wrapping_add(1));
    // Slot 52 (1040 ms) is the one sent; its timestamp is 52 * 160 past the first.
    assert_eq!(
        p.view.timestamp.0.wrapping_sub(h.rtp[0].view.timestamp.0),
        52 * 160
    );
    assert_eq!(
        h.sender.poll_timeout(),
        Some(h.start + Duration::from_millis(1060))
    );
    assert_eq!(h.sender.stats().jumps, 1);
}
