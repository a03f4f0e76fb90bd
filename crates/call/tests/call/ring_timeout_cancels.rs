//! No answer before the ring timeout: CANCEL, then result 9 when the INVITE ends (487).

use std::time::Duration;

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, EndCause, LiveState, ResultCode};

#[test]
fn ten_second_ring_timeout_cancels() {
    let mut config = otp_config();
    config.ring_timeout = Duration::from_secs(10);
    let mut sim = Sim::new(config);
    sim.at(ms(300), Event::Provisional(100))
        .at(ms(800), Event::Provisional(180));
    let end = sim.run();
    assert_eq!(sim.times_of(|a| *a == Action::Cancel), vec![10_000]);
    assert!(sim.plays().is_empty());
    assert_eq!(
        sim.progress(),
        vec![LiveState::Dialling, LiveState::Ringing, LiveState::Ending]
    );
    assert_eq!(end.result, ResultCode::Cancelled);
    assert_eq!(end.cause, EndCause::RingTimeout);
    assert_eq!(end.answered_on, None);
    assert_eq!(sim.ms_of(end.ended_on), 10_020);
    assert_eq!(end.sip_code, Some(487));
    assert_eq!(end.code_read_count, 0);
}

#[test]
fn the_ring_deadline_counts_from_the_invite() {
    let mut config = otp_config();
    config.ring_timeout = Duration::from_secs(60);
    let sim = Sim::new(config);
    assert_eq!(sim.ms_of(sim.flow.poll_timeout().unwrap()), 60_000);
}

#[test]
fn answer_just_before_the_deadline_is_not_cancelled() {
    let mut config = otp_config();
    config.ring_timeout = Duration::from_secs(10);
    let mut sim = Sim::new(config);
    sim.at(ms(9_999), Event::Answer);
    let end = sim.run();
    assert!(sim.times_of(|a| *a == Action::Cancel).is_empty());
    assert_eq!(end.result, ResultCode::Finished);
}

#[test]
fn cancel_without_any_reply_still_finishes_after_the_ending_guard() {
    let mut config = otp_config();
    config.ring_timeout = Duration::from_secs(10);
    let mut sim = Sim::new(config);
    sim.cancel_reply = None;
    let end = sim.run();
    assert_eq!(end.result, ResultCode::Cancelled);
    assert_eq!(sim.ms_of(end.ended_on), 42_000);
    assert_eq!(end.sip_code, None);
}
