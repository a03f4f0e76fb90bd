//! `auto-replay: true` reads the code `1 + max-replays` times in a row, replay prompt
//! skipped, then the outro.

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{ResultCode, Segment};

#[test]
fn max_replays_two_reads_three_times() {
    let mut config = otp_config();
    config.max_replays = 2;
    config.auto_replay = true;
    let mut sim = Sim::new(config);
    sim.at(ms(1_000), Event::Answer);
    let end = sim.run();
    assert_eq!(
        sim.plays(),
        vec![
            (1_000, Segment::Intro),
            (3_000, Segment::CodePrompt),
            (4_000, Segment::Code),
            (7_000, Segment::CodePrompt),
            (8_000, Segment::Code),
            (11_000, Segment::CodePrompt),
            (12_000, Segment::Code),
            (15_000, Segment::Outro),
        ]
    );
    assert_eq!(end.result, ResultCode::Finished);
    assert_eq!(end.code_read_count, 3);
    assert_eq!(end.replays, 2);
}

#[test]
fn auto_replay_with_no_replays_reads_once() {
    let mut config = otp_config();
    config.max_replays = 0;
    config.auto_replay = true;
    let mut sim = Sim::new(config);
    sim.at(ms(1_000), Event::Answer);
    let end = sim.run();
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
}

#[test]
fn a_one_during_auto_replay_restarts_and_uses_a_replay() {
    let mut config = otp_config();
    config.max_replays = 2;
    config.auto_replay = true;
    let mut sim = Sim::new(config);
    // Reading 1: prompt 3-4, code 4-7. A 1 at 5 s restarts (replay 1); reading 2 then
    // runs 5-9 and the automatic reading 3 runs 9-13.
    sim.at(ms(1_000), Event::Answer)
        .at(ms(5_000), Event::Dtmf('1'));
    let end = sim.run();
    assert_eq!(
        &sim.plays()[1..],
        &[
            (3_000, Segment::CodePrompt),
            (4_000, Segment::Code),
            (5_000, Segment::CodePrompt),
            (6_000, Segment::Code),
            (9_000, Segment::CodePrompt),
            (10_000, Segment::Code),
            (13_000, Segment::Outro),
        ]
    );
    assert_eq!(end.replays, 2);
    assert_eq!(end.code_read_count, 2);
}
