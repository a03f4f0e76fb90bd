//! Daemon shutdown: a ringing call is cancelled (result 9), an answered one is hung up
//! at once without the outro (result 10, counts kept).

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, EndCause, ResultCode, Segment};

#[test]
fn shutdown_while_ringing_cancels() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(300), Event::Provisional(180))
        .at(ms(4_000), Event::Shutdown);
    let end = sim.run();
    assert_eq!(sim.times_of(|a| *a == Action::Cancel), vec![4_000]);
    assert_eq!(end.result, ResultCode::Cancelled);
    assert_eq!(end.cause, EndCause::Shutdown);
    assert_eq!(sim.ms_of(end.ended_on), 4_020);
}

#[test]
fn shutdown_while_answered_hangs_up_without_outro() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer)
        .at(ms(9_000), Event::Shutdown);
    let end = sim.run();
    assert_eq!(sim.times_of(|a| *a == Action::StopPlayback), vec![9_000]);
    assert_eq!(sim.times_of(|a| *a == Action::Hangup), vec![9_000]);
    assert!(!sim.segments().contains(&Segment::Outro));
    assert_eq!(end.result, ResultCode::Finished);
    assert_eq!(end.cause, EndCause::Shutdown);
    assert_eq!(end.code_read_count, 1);
}

#[test]
fn shutdown_twice_is_harmless() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer)
        .at(ms(3_000), Event::Shutdown)
        .at(ms(3_001), Event::Shutdown);
    sim.run();
    assert_eq!(sim.times_of(|a| *a == Action::Hangup).len(), 1);
}
