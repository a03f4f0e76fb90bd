//! The plain path: intro once, one reading (code prompt then code), outro, BYE.

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, EndCause, LiveState, ResultCode, Segment};

#[test]
fn no_replays_plays_intro_reading_outro_then_hangs_up() {
    let mut config = otp_config();
    config.max_replays = 0;
    let mut sim = Sim::new(config);
    sim.at(ms(500), Event::Provisional(180))
        .at(ms(2_000), Event::Answer);
    let end = sim.run();

    assert_eq!(
        sim.plays(),
        vec![
            (2_000, Segment::Intro),
            (4_000, Segment::CodePrompt),
            (5_000, Segment::Code),
            (8_000, Segment::Outro),
        ]
    );
    assert_eq!(sim.times_of(|a| *a == Action::Hangup), vec![9_000]);
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
    assert_eq!(end.cause, EndCause::Completed);
    assert_eq!(sim.ms_of(end.started_on), 0);
    assert_eq!(end.answered_on.map(|a| sim.ms_of(a)), Some(2_000));
    assert_eq!(sim.ms_of(end.ended_on), 9_020);
    assert_eq!(end.code_read_count, 1);
    assert_eq!(end.replays, 0);
    assert_eq!(end.dtmf, "");
    assert_eq!(end.sip_code, Some(200));
    assert_eq!(end.sip_reason.as_deref(), Some("OK"));
}

#[test]
fn intro_is_played_once_even_with_replays() {
    let mut config = otp_config();
    config.max_replays = 3;
    config.auto_replay = true;
    let mut sim = Sim::new(config);
    sim.at(ms(1_000), Event::Answer);
    sim.run();
    let intros = sim
        .segments()
        .into_iter()
        .filter(|s| *s == Segment::Intro)
        .count();
    assert_eq!(intros, 1);
    assert_eq!(sim.segments()[0], Segment::Intro);
}
