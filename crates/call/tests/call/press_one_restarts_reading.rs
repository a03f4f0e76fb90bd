//! Spec 4b: a `1` at any moment after the first reading started, while replays remain,
//! stops what plays and starts a new reading at once; each counts one replay.

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, ResultCode, Segment};

#[test]
fn one_during_the_code_interrupts_and_rereads() {
    let mut sim = Sim::new(otp_config());
    // Answer at 2 s: intro 2-4, code prompt 4-5, code 5-8. Press 1 mid-code at 6.5 s.
    sim.at(ms(2_000), Event::Answer)
        .at(ms(6_500), Event::Dtmf('1'));
    let end = sim.run();

    assert_eq!(sim.times_of(|a| *a == Action::StopPlayback), vec![6_500]);
    assert_eq!(
        sim.plays(),
        vec![
            (2_000, Segment::Intro),
            (4_000, Segment::CodePrompt),
            (5_000, Segment::Code),
            (6_500, Segment::CodePrompt),
            (7_500, Segment::Code),
            // No replays left: no replay prompt, straight to the outro.
            (10_500, Segment::Outro),
        ]
    );
    assert_eq!(end.result, ResultCode::Finished);
    // The interrupted reading did not play to its end.
    assert_eq!(end.code_read_count, 1);
    assert_eq!(end.replays, 1);
    assert_eq!(end.dtmf, "1");
}

#[test]
fn one_during_the_code_prompt_of_the_first_reading_counts() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer)
        .at(ms(4_200), Event::Dtmf('1'));
    let end = sim.run();
    assert_eq!(
        &sim.plays()[..3],
        &[
            (2_000, Segment::Intro),
            (4_000, Segment::CodePrompt),
            (4_200, Segment::CodePrompt),
        ]
    );
    assert_eq!(end.replays, 1);
    assert_eq!(end.code_read_count, 1);
}

#[test]
fn one_during_the_replay_prompt_rereads_at_once() {
    let mut sim = Sim::new(otp_config());
    // Reading ends at 8 s; replay prompt 8-10. Press 1 at 9 s.
    sim.at(ms(2_000), Event::Answer)
        .at(ms(9_000), Event::Dtmf('1'));
    let end = sim.run();
    assert_eq!(sim.times_of(|a| *a == Action::StopPlayback), vec![9_000]);
    assert_eq!(
        &sim.plays()[3..],
        &[
            (8_000, Segment::ReplayPrompt),
            (9_000, Segment::CodePrompt),
            (10_000, Segment::Code),
            (13_000, Segment::Outro),
        ]
    );
    assert_eq!(end.code_read_count, 2);
    assert_eq!(end.replays, 1);
}

#[test]
fn one_during_the_wait_rereads_and_cancels_the_wait() {
    let mut sim = Sim::new(otp_config());
    // Replay prompt 8-10, wait 10-15. Press 1 at 14.9 s.
    sim.at(ms(2_000), Event::Answer)
        .at(ms(14_900), Event::Dtmf('1'));
    let end = sim.run();
    assert_eq!(
        &sim.plays()[4..],
        &[
            (14_900, Segment::CodePrompt),
            (15_900, Segment::Code),
            (18_900, Segment::Outro),
        ]
    );
    assert_eq!(sim.times_of(|a| *a == Action::Hangup), vec![19_900]);
    assert_eq!(end.code_read_count, 2);
    assert_eq!(end.replays, 1);
}

#[test]
fn every_press_counts_until_replays_run_out() {
    let mut config = otp_config();
    config.max_replays = 3;
    let mut sim = Sim::new(config);
    // Four presses in quick succession during the first code; the fourth finds no
    // replays left and is only recorded.
    sim.at(ms(2_000), Event::Answer)
        .at(ms(5_100), Event::Dtmf('1'))
        .at(ms(5_200), Event::Dtmf('1'))
        .at(ms(5_300), Event::Dtmf('1'))
        .at(ms(5_400), Event::Dtmf('1'));
    let end = sim.run();
    let prompts: Vec<u64> = sim
        .plays()
        .into_iter()
        .filter(|(_, s)| *s == Segment::CodePrompt)
        .map(|(t, _)| t)
        .collect();
    assert_eq!(prompts, vec![4_000, 5_100, 5_200, 5_300]);
    assert_eq!(end.replays, 3);
    assert_eq!(end.code_read_count, 1);
    assert_eq!(end.dtmf, "1111");
    assert!(!sim.segments().contains(&Segment::ReplayPrompt));
}

#[test]
fn one_during_the_outro_while_replays_remain_rereads() {
    let mut sim = Sim::new(otp_config());
    // Wait 10-15 expires; outro 15-16. A late 1 at 15.5 s still has a replay to use.
    sim.at(ms(2_000), Event::Answer)
        .at(ms(15_500), Event::Dtmf('1'));
    let end = sim.run();
    assert_eq!(
        &sim.plays()[4..],
        &[
            (15_000, Segment::Outro),
            (15_500, Segment::CodePrompt),
            (16_500, Segment::Code),
            (19_500, Segment::Outro),
        ]
    );
    assert_eq!(end.replays, 1);
    assert_eq!(end.code_read_count, 2);
}
