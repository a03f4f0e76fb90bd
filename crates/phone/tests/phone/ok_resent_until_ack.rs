//! The phone's 200 is resent until the ACK comes, at intervals doubling from T1 (500 ms)
//! up to T2 (4 s), RFC 3261 section 13.3.1.4; the first ACK that gets through stops it.

use std::time::Duration;

use voice_otp_phone::PhoneConfig;
use voice_otp_sip::MediaOffer;

use crate::common::{Bench, caller_rtp, ms};

fn oks(bench: &Bench) -> Vec<Duration> {
    let statuses = bench.statuses().into_iter();
    statuses
        .filter(|&(_, code)| code == 200)
        .map(|(at, _)| at)
        .collect()
}

#[test]
fn lost_acks_get_the_200_again_until_one_arrives() {
    let mut bench = Bench::new(PhoneConfig::default(), MediaOffer::g711(caller_rtp()));
    bench.lose_acks = true;
    bench.run_until(Duration::from_secs(12));
    assert_eq!(
        oks(&bench),
        [
            ms(300),
            ms(800),
            ms(1_800),
            ms(3_800),
            ms(7_800),
            ms(11_800)
        ]
    );

    // The caller ACKs every 200 it gets; the next one's ACK gets through.
    bench.lose_acks = false;
    bench.run_until(Duration::from_secs(40));
    assert_eq!(oks(&bench).len(), 7, "{:?}", oks(&bench));
    assert_eq!(oks(&bench)[6], ms(15_800));
    assert!(bench.outcome.is_none());
}
