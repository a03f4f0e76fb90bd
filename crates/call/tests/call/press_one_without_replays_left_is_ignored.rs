//! With `max-replays` 0 (or all replays used) a `1` is only recorded.

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, Segment};

#[test]
fn one_with_max_replays_zero_changes_nothing() {
    let mut config = otp_config();
    config.max_replays = 0;
    let mut sim = Sim::new(config);
    sim.at(ms(2_000), Event::Answer)
        .at(ms(6_000), Event::Dtmf('1'));
    let end = sim.run();
    assert!(sim.times_of(|a| *a == Action::StopPlayback).is_empty());
    assert_eq!(
        sim.segments(),
        vec![
            Segment::Intro,
            Segment::CodePrompt,
            Segment::Code,
            Segment::Outro
        ]
    );
    assert_eq!(end.code_read_count, 1);
    assert_eq!(end.replays, 0);
    assert_eq!(end.dtmf, "1");
}

#[test]
fn one_after_the_last_replay_is_only_recorded() {
    let mut sim = Sim::new(otp_config());
    // First press at 6 s uses the only replay (reading 2: prompt 6-7, code 7-10);
    // the second at 8 s is too late.
    sim.at(ms(2_000), Event::Answer)
        .at(ms(6_000), Event::Dtmf('1'))
        .at(ms(8_000), Event::Dtmf('1'));
    let end = sim.run();
    assert_eq!(sim.times_of(|a| *a == Action::StopPlayback), vec![6_000]);
    assert_eq!(end.replays, 1);
    assert_eq!(end.code_read_count, 1);
    assert_eq!(end.dtmf, "11");
}
