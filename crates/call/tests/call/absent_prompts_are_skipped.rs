//! Absent prompts are skipped: a reading with no code prompt is the code alone, no
//! replay prompt means the wait starts right after the reading, and no outro means BYE.

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, ResultCode, Segment};

#[test]
fn only_the_code_is_played_when_no_prompt_is_given() {
    let mut config = otp_config();
    config.intro = false;
    config.code_prompt = false;
    config.replay_prompt = false;
    config.outro = false;
    config.max_replays = 1;
    let mut sim = Sim::new(config);
    sim.at(ms(1_000), Event::Answer);
    let end = sim.run();

    // Code 1_000..4_000, then the 5 s wait with no prompt, then straight to BYE.
    assert_eq!(sim.plays(), vec![(1_000, Segment::Code)]);
    assert_eq!(sim.times_of(|a| *a == Action::Hangup), vec![9_000]);
    assert_eq!(end.result, ResultCode::Finished);
    assert_eq!(end.code_read_count, 1);
}

#[test]
fn a_one_during_the_promptless_wait_reads_again() {
    let mut config = otp_config();
    config.intro = false;
    config.code_prompt = false;
    config.replay_prompt = false;
    config.outro = false;
    let mut sim = Sim::new(config);
    sim.at(ms(1_000), Event::Answer)
        .at(ms(6_000), Event::Dtmf('1'));
    let end = sim.run();
    assert_eq!(
        sim.plays(),
        vec![(1_000, Segment::Code), (6_000, Segment::Code)]
    );
    // Nothing was playing during the wait, so nothing had to be stopped.
    assert!(sim.times_of(|a| *a == Action::StopPlayback).is_empty());
    assert_eq!(end.code_read_count, 2);
    assert_eq!(end.replays, 1);
    assert_eq!(end.dtmf, "1");
}
