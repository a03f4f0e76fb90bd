//! 4xx/6xx from the far end are result 12 (Rejected), with the status recorded; 480 is
//! a Rejected too (the far end's definite "not now").

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{DialFailure, EndCause, ResultCode};

fn fail_with(code: u16, reason: &str) -> (Sim, voice_otp_call::FlowEnd) {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(300), Event::Provisional(180)).at(
        ms(1_500),
        Event::Fail(DialFailure::Response {
            code,
            reason: reason.to_owned(),
        }),
    );
    let end = sim.run();
    (sim, end)
}

#[test]
fn busy_here_is_rejected() {
    let (sim, end) = fail_with(486, "Busy Here");
    assert_eq!(end.result, ResultCode::Rejected);
    assert_eq!(end.result.code(), 12);
    assert_eq!(end.cause, EndCause::DialFailed);
    assert_eq!(end.sip_code, Some(486));
    assert_eq!(end.sip_reason.as_deref(), Some("Busy Here"));
    assert_eq!(end.answered_on, None);
    assert_eq!(sim.ms_of(end.ended_on), 1_500);
    assert!(sim.plays().is_empty());
}

#[test]
fn decline_not_found_unavailable_and_6xx_are_rejected() {
    for (code, reason) in [
        (603, "Decline"),
        (404, "Not Found"),
        (480, "Temporarily Unavailable"),
        (403, "Forbidden"),
        (600, "Busy Everywhere"),
        (604, "Does Not Exist Anywhere"),
    ] {
        let (_, end) = fail_with(code, reason);
        assert_eq!(end.result, ResultCode::Rejected, "{code}");
        assert_eq!(end.sip_code, Some(code));
    }
}
