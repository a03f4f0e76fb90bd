//! A `1` during the intro (before the first reading started) is recorded but does not
//! replay: there is nothing to replay yet.

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, Segment};

#[test]
fn one_during_intro_does_not_interrupt() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer)
        .at(ms(3_000), Event::Dtmf('1'));
    let end = sim.run();
    assert!(sim.times_of(|a| *a == Action::StopPlayback).is_empty());
    assert_eq!(
        &sim.plays()[..3],
        &[
            (2_000, Segment::Intro),
            (4_000, Segment::CodePrompt),
            (5_000, Segment::Code),
        ]
    );
    assert_eq!(end.replays, 0);
    assert_eq!(end.dtmf, "1");
}

#[test]
fn keys_before_answer_are_not_recorded() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(500), Event::Provisional(183))
        .at(ms(1_000), Event::Dtmf('1'))
        .at(ms(2_000), Event::Answer);
    let end = sim.run();
    assert_eq!(end.dtmf, "");
    assert_eq!(end.replays, 0);
}
