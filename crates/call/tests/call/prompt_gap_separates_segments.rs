//! With a prompt gap, segments that follow each other on their own are separated by that
//! much silence (as `voice-otp say` renders them), while a press of 1 restarts at once.

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, Segment};

#[test]
fn automatic_transitions_wait_the_gap() {
    let mut config = otp_config();
    config.prompt_gap = ms(400);
    let mut sim = Sim::new(config);
    sim.at(ms(2_000), Event::Answer);
    let end = sim.run();
    assert_eq!(
        sim.plays(),
        vec![
            (2_000, Segment::Intro),
            // intro ends 4_000, gap
            (4_400, Segment::CodePrompt),
            // prompt ends 5_400, gap
            (5_800, Segment::Code),
            // code ends 8_800, gap
            (9_200, Segment::ReplayPrompt),
            // replay prompt ends 11_200, 5 s wait (no extra gap)
            (16_200, Segment::Outro),
        ]
    );
    // The outro ends the call without a gap.
    assert_eq!(sim.times_of(|a| *a == Action::Hangup), vec![17_200]);
    assert_eq!(end.code_read_count, 1);
}

#[test]
fn a_press_during_a_gap_restarts_at_once() {
    let mut config = otp_config();
    config.prompt_gap = ms(400);
    let mut sim = Sim::new(config);
    // Gap between code prompt and code: 5_400..5_800.
    sim.at(ms(2_000), Event::Answer)
        .at(ms(5_500), Event::Dtmf('1'));
    let end = sim.run();
    assert!(sim.times_of(|a| *a == Action::StopPlayback).is_empty());
    assert_eq!(sim.plays()[2], (5_500, Segment::CodePrompt));
    assert_eq!(end.replays, 1);
}

#[test]
fn a_press_during_the_gap_after_the_intro_is_only_recorded() {
    let mut config = otp_config();
    config.prompt_gap = ms(400);
    let mut sim = Sim::new(config);
    sim.at(ms(2_000), Event::Answer)
        .at(ms(4_100), Event::Dtmf('1'));
    let end = sim.run();
    assert_eq!(sim.plays()[1], (4_400, Segment::CodePrompt));
    assert_eq!(end.replays, 0);
    assert_eq!(end.dtmf, "1");
}

#[test]
fn auto_replay_readings_are_separated_too() {
    let mut config = otp_config();
    config.prompt_gap = ms(400);
    config.intro = false;
    config.max_replays = 1;
    config.auto_replay = true;
    let mut sim = Sim::new(config);
    sim.at(ms(1_000), Event::Answer);
    sim.run();
    assert_eq!(
        sim.plays(),
        vec![
            (1_000, Segment::CodePrompt),
            (2_400, Segment::Code),
            (5_800, Segment::CodePrompt),
            (7_200, Segment::Code),
            (10_600, Segment::Outro),
        ]
    );
}
