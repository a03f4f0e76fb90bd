//! A failed media stream after answer ends the call with BYE at once; the call was
//! answered, so the result is 10.

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, EndCause, ResultCode};

#[test]
fn media_error_mid_reading() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer)
        .at(ms(5_500), Event::MediaError);
    let end = sim.run();
    assert_eq!(sim.times_of(|a| *a == Action::StopPlayback), vec![5_500]);
    assert_eq!(sim.times_of(|a| *a == Action::Hangup), vec![5_500]);
    assert_eq!(end.result, ResultCode::Finished);
    assert_eq!(end.cause, EndCause::MediaError);
}

#[test]
fn media_error_before_answer_is_ignored() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(500), Event::MediaError)
        .at(ms(1_000), Event::Answer);
    let end = sim.run();
    assert_eq!(end.cause, EndCause::Completed);
}
