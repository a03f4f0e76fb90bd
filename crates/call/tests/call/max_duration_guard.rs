//! The max call duration guard hangs up an answered call that runs too long, whatever it
//! is doing (here: a playback that never reports its end).

use std::time::Duration;

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, EndCause, ResultCode};

#[test]
fn stuck_playback_is_cut_at_ten_minutes() {
    let mut sim = Sim::new(otp_config());
    sim.stall_playback = true;
    sim.at(ms(2_000), Event::Answer);
    let end = sim.run();
    let guard = 2_000 + 600_000;
    assert_eq!(sim.times_of(|a| *a == Action::StopPlayback), vec![guard]);
    assert_eq!(sim.times_of(|a| *a == Action::Hangup), vec![guard]);
    assert_eq!(end.result, ResultCode::Finished);
    assert_eq!(end.cause, EndCause::MaxDuration);
    assert_eq!(end.code_read_count, 0);
}

#[test]
fn guard_is_configurable_and_counts_from_answer() {
    let mut config = otp_config();
    config.max_duration = Duration::from_secs(7);
    let mut sim = Sim::new(config);
    sim.at(ms(2_000), Event::Answer);
    let end = sim.run();
    // Intro 2-4, prompt 4-5, code 5-8: cut at 9 s during the replay prompt.
    assert_eq!(sim.times_of(|a| *a == Action::Hangup), vec![9_000]);
    assert_eq!(end.cause, EndCause::MaxDuration);
    assert_eq!(end.code_read_count, 1);
}

#[test]
fn guard_during_the_wait_needs_no_stop() {
    let mut config = otp_config();
    config.max_duration = Duration::from_secs(10);
    let mut sim = Sim::new(config);
    // Replay prompt ends at 10 s, wait until 15 s, guard at 12 s.
    sim.at(ms(2_000), Event::Answer);
    let end = sim.run();
    assert!(sim.times_of(|a| *a == Action::StopPlayback).is_empty());
    assert_eq!(sim.times_of(|a| *a == Action::Hangup), vec![12_000]);
    assert_eq!(end.cause, EndCause::MaxDuration);
}

#[test]
fn bye_without_reply_finishes_after_the_ending_guard() {
    let mut config = otp_config();
    config.max_replays = 0;
    let mut sim = Sim::new(config);
    sim.bye_reply = None;
    sim.at(ms(2_000), Event::Answer);
    let end = sim.run();
    // Outro ends at 9 s; BYE; 32 s later the call is over for us.
    assert_eq!(sim.ms_of(end.ended_on), 41_000);
    assert_eq!(end.result, ResultCode::Finished);
}
