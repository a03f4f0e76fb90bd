//! The callee hanging up at any point ends the call cleanly: no BYE from us, result 10
//! once answered, and only fully played readings counted.

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, EndCause, ResultCode};

#[test]
fn hangup_during_the_code_ends_at_once() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer)
        .at(ms(6_000), Event::RemoteHangup);
    let end = sim.run();
    assert!(sim.times_of(|a| *a == Action::Hangup).is_empty());
    assert_eq!(end.result, ResultCode::Finished);
    assert_eq!(end.cause, EndCause::RemoteHangup);
    assert_eq!(sim.ms_of(end.ended_on), 6_000);
    assert_eq!(end.code_read_count, 0);
    assert_eq!(end.sip_code, Some(200));
}

#[test]
fn hangup_during_the_replay_wait_keeps_the_count() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer)
        .at(ms(12_000), Event::RemoteHangup);
    let end = sim.run();
    assert_eq!(end.code_read_count, 1);
    assert_eq!(sim.ms_of(end.ended_on), 12_000);
}

#[test]
fn hangup_during_the_intro() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer)
        .at(ms(2_500), Event::RemoteHangup);
    let end = sim.run();
    assert_eq!(end.result, ResultCode::Finished);
    assert_eq!(end.code_read_count, 0);
    assert_eq!(end.replays, 0);
}

#[test]
fn bye_glare_finishes_once() {
    let mut config = otp_config();
    config.max_replays = 0;
    config.outro = false;
    let mut sim = Sim::new(config);
    // Our BYE goes out at 8 s and is never answered; their BYE crosses it.
    sim.bye_reply = None;
    sim.at(ms(2_000), Event::Answer)
        .at(ms(8_010), Event::RemoteHangup);
    let end = sim.run();
    assert_eq!(sim.times_of(|a| *a == Action::Hangup), vec![8_000]);
    assert_eq!(end.cause, EndCause::Completed);
    assert_eq!(sim.ms_of(end.ended_on), 8_010);
}
