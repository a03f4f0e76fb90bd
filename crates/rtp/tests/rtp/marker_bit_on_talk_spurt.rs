//! The marker bit is set on the stream's first packet and on the first packet of each
//! played prompt (a talk spurt), and nowhere else.

use std::time::Duration;

use crate::common::Harness;
use voice_otp_rtp::Codec;

#[test]
fn marker_on_first_packet_and_each_talk_spurt_only() {
    let mut h = Harness::new(Codec::Pcmu, 3);
    h.run_until(Duration::from_millis(100)); // silence: packets 0..=5
    h.sender.play(crate::common::prompt(10, 7)); // packets 6..=15
    h.run_until(Duration::from_millis(500)); // then silence up to 25
    h.sender.play(crate::common::prompt(10, 7)); // replay: packets 26..
    h.run_until(Duration::from_millis(800));
    let marked: Vec<usize> = h
        .rtp
        .iter()
        .enumerate()
        .filter(|(_, p)| p.view.marker)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(marked, vec![0, 6, 26]);
    assert_eq!(h.rtp[6].payload[0], 7);
    assert_eq!(h.rtp[26].payload[0], 7);
}
