//! No key before the replay wait ends: outro, then BYE. The wait starts when the replay
//! prompt has played out and lasts exactly `replay_wait`.

use std::time::Duration;

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, EndCause, Segment};

#[test]
fn default_five_second_wait_then_outro() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer);
    let end = sim.run();
    assert_eq!(
        sim.plays(),
        vec![
            (2_000, Segment::Intro),
            (4_000, Segment::CodePrompt),
            (5_000, Segment::Code),
            (8_000, Segment::ReplayPrompt),
            // Replay prompt ends at 10 s; 5 s of waiting.
            (15_000, Segment::Outro),
        ]
    );
    assert_eq!(sim.times_of(|a| *a == Action::Hangup), vec![16_000]);
    assert_eq!(end.cause, EndCause::Completed);
    assert_eq!(end.code_read_count, 1);
    assert_eq!(end.replays, 0);
}

#[test]
fn configured_wait_is_honoured() {
    let mut config = otp_config();
    config.replay_wait = Duration::from_millis(2_500);
    let mut sim = Sim::new(config);
    sim.at(ms(2_000), Event::Answer);
    sim.run();
    assert_eq!(sim.plays()[4], (12_500, Segment::Outro));
}

#[test]
fn the_wait_deadline_is_what_poll_timeout_reports() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer);
    // Stop the run just after the replay prompt ended.
    assert!(sim.run_until(ms(10_001)).is_none());
    let deadline = sim.flow.poll_timeout().expect("a deadline");
    assert_eq!(sim.ms_of(deadline), 15_000);
}
