//! RFC 4733: a volume field above 55 (quieter than -55 dBm0) is not a key
//! press; 55 and louder are.

use crate::support::{drain, te};
use std::time::Instant;
use voice_otp_dtmf::Rfc4733Tracker;

#[test]
fn volume_above_55_is_ignored() {
    let t0 = Instant::now();
    let mut t = Rfc4733Tracker::new(t0);
    for (i, vol) in (56..=63).enumerate() {
        t.handle_packet(
            t0,
            5,
            i as u16,
            1000 * i as u32,
            true,
            &te(1, true, vol, 800),
        )
        .unwrap();
    }
    assert!(drain(&mut t).is_empty());
    assert_eq!(t.poll_timeout(), None);
    for (i, vol) in [0u8, 10, 30, 55].into_iter().enumerate() {
        t.handle_packet(
            t0,
            5,
            100 + i as u16,
            100_000 * (i as u32 + 1),
            true,
            &te(1, true, vol, 800),
        )
        .unwrap();
    }
    assert_eq!(drain(&mut t).len(), 4);
}
