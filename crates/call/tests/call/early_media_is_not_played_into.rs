//! 183 Session Progress (early media) is accepted: the call is "ringing", nothing plays
//! before the 2xx, and the ring timer keeps running.

use std::time::Duration;

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, LiveState, ResultCode, Segment};

#[test]
fn early_media_then_answer() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(200), Event::Provisional(183))
        .at(ms(400), Event::Provisional(180))
        .at(ms(3_000), Event::Answer);
    let end = sim.run();
    assert_eq!(sim.plays()[0], (3_000, Segment::Intro));
    assert_eq!(
        sim.progress(),
        vec![
            LiveState::Dialling,
            LiveState::Ringing,
            LiveState::Answered,
            LiveState::Ending
        ]
    );
    assert_eq!(end.result, ResultCode::Finished);
}

#[test]
fn early_media_without_answer_still_times_out() {
    let mut config = otp_config();
    config.ring_timeout = Duration::from_secs(15);
    let mut sim = Sim::new(config);
    sim.at(ms(200), Event::Provisional(183));
    let end = sim.run();
    assert_eq!(sim.times_of(|a| *a == Action::Cancel), vec![15_000]);
    assert_eq!(end.result, ResultCode::Cancelled);
}

#[test]
fn non_provisional_codes_are_not_ringing() {
    let mut sim = Sim::new(otp_config());
    sim.flow.handle_provisional(sim.now, 200);
    sim.flow.handle_provisional(sim.now, 99);
    assert_eq!(sim.flow.live_state(), LiveState::Dialling);
    sim.flow.handle_provisional(sim.now, 180);
    assert_eq!(sim.flow.live_state(), LiveState::Ringing);
}
