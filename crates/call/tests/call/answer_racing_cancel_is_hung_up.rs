//! Spec 4: a 2xx that races the CANCEL is BYEd (the SIP layer ACKs it). Nothing plays,
//! and the result stays 9: we had given up on the call before it was answered.

use std::time::Duration;

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, ResultCode};

#[test]
fn late_answer_after_cancel_gets_bye() {
    let mut config = otp_config();
    config.ring_timeout = Duration::from_secs(10);
    let mut sim = Sim::new(config);
    sim.cancel_reply = None;
    sim.at(ms(500), Event::Provisional(180))
        .at(ms(10_005), Event::Answer);
    let end = sim.run();
    assert_eq!(sim.times_of(|a| *a == Action::Cancel), vec![10_000]);
    assert_eq!(sim.times_of(|a| *a == Action::Hangup), vec![10_005]);
    assert!(sim.plays().is_empty());
    assert_eq!(end.result, ResultCode::Cancelled);
    assert_eq!(end.answered_on.map(|a| sim.ms_of(a)), Some(10_005));
    assert_eq!(sim.ms_of(end.ended_on), 10_025);
    assert_eq!(end.code_read_count, 0);
}
