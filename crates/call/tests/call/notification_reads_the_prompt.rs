//! A Notification call is the same flow with the prompt in place of code prompt + code:
//! a reading is the prompt, counted in `code_read_count`, replayed on `1`.

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{CallKind, ResultCode, Segment};

fn notification() -> voice_otp_call::FlowConfig {
    let mut config = otp_config();
    config.kind = CallKind::Notification;
    config.code = false;
    config.intro = false;
    config
}

#[test]
fn the_prompt_is_the_reading() {
    let mut sim = Sim::new(notification());
    // Prompt 1-2, replay prompt 2-4, wait 4-9, outro 9-10.
    sim.at(ms(1_000), Event::Answer);
    let end = sim.run();
    assert_eq!(
        sim.plays(),
        vec![
            (1_000, Segment::CodePrompt),
            (2_000, Segment::ReplayPrompt),
            (9_000, Segment::Outro),
        ]
    );
    assert!(!sim.segments().contains(&Segment::Code));
    assert_eq!(end.result, ResultCode::Finished);
    assert_eq!(end.code_read_count, 1);
}

#[test]
fn one_replays_the_prompt() {
    let mut sim = Sim::new(notification());
    sim.at(ms(1_000), Event::Answer)
        .at(ms(3_000), Event::Dtmf('1'));
    let end = sim.run();
    assert_eq!(
        sim.plays(),
        vec![
            (1_000, Segment::CodePrompt),
            (2_000, Segment::ReplayPrompt),
            (3_000, Segment::CodePrompt),
            (4_000, Segment::Outro),
        ]
    );
    assert_eq!(end.code_read_count, 2);
    assert_eq!(end.replays, 1);
}

#[test]
fn auto_replay_repeats_the_prompt() {
    let mut config = notification();
    config.max_replays = 2;
    config.auto_replay = true;
    let mut sim = Sim::new(config);
    sim.at(ms(1_000), Event::Answer);
    let end = sim.run();
    assert_eq!(
        sim.segments(),
        vec![
            Segment::CodePrompt,
            Segment::CodePrompt,
            Segment::CodePrompt,
            Segment::Outro
        ]
    );
    assert_eq!(end.code_read_count, 3);
}
