//! The SIP endpoint's driver dies under a call (issue 11, item 5): an answered call whose
//! end can no longer be signalled is recorded as failed (11) with the reason, not as a
//! finished call; a transport error of one dialog still ends an answered call like a
//! hang-up, and a call still ringing fails as before.

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{DialFailure, EndCause, ResultCode};

#[test]
fn answered_call_is_failed_when_signalling_is_lost() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer)
        .at(ms(4_000), Event::Fail(DialFailure::SignallingLost));
    let end = sim.run();
    assert_eq!(end.result, ResultCode::Failed);
    assert_eq!(end.cause, EndCause::SignallingLost);
    assert_eq!(end.sip_reason.as_deref(), Some("SIP signalling lost"));
}

#[test]
fn dialling_call_is_failed_when_signalling_is_lost() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(500), Event::Fail(DialFailure::SignallingLost));
    let end = sim.run();
    assert_eq!(end.result, ResultCode::Failed);
    assert_eq!(end.cause, EndCause::DialFailed);
}

#[test]
fn a_dialog_transport_error_after_answer_still_ends_as_finished() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer)
        .at(ms(4_000), Event::Fail(DialFailure::Transport));
    let end = sim.run();
    assert_eq!(end.result, ResultCode::Finished);
    assert_eq!(end.cause, EndCause::RemoteHangup);
}
