//! 5xx, timeouts (ours or a received 408), no route, transport errors, unusable answers, local failures, refused
//! credentials and unfollowed redirects are result 11 (Failed).

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{DialFailure, ResultCode};

fn end_with(failure: DialFailure) -> voice_otp_call::FlowEnd {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(700), Event::Fail(failure));
    sim.run()
}

#[test]
fn five_hundreds_are_failed() {
    for code in [500, 502, 503, 504] {
        let end = end_with(DialFailure::Response {
            code,
            reason: "Server Error".to_owned(),
        });
        assert_eq!(end.result, ResultCode::Failed, "{code}");
        assert_eq!(end.result.code(), 11);
        assert_eq!(end.sip_code, Some(code));
    }
}

#[test]
fn timer_b_timeout_is_a_local_408() {
    let end = end_with(DialFailure::Timeout);
    assert_eq!(end.result, ResultCode::Failed);
    assert_eq!(end.sip_code, Some(408));
    assert_eq!(end.sip_reason.as_deref(), Some("Request Timeout"));
}

#[test]
fn received_408_is_failed_like_our_own_timeout() {
    let end = end_with(DialFailure::Response {
        code: 408,
        reason: "Request Timeout".to_owned(),
    });
    assert_eq!(end.result, ResultCode::Failed);
}

#[test]
fn no_route_and_transport_errors_are_failed_without_a_status() {
    for failure in [
        DialFailure::NoRoute,
        DialFailure::Transport,
        DialFailure::NoCommonCodec,
        DialFailure::Local,
    ] {
        let end = end_with(failure);
        assert_eq!(end.result, ResultCode::Failed);
        assert_eq!(end.sip_code, None);
        assert!(end.sip_reason.is_some());
    }
}

#[test]
fn refused_credentials_and_redirects_are_failed() {
    for code in [401, 407, 302] {
        let end = end_with(DialFailure::Response {
            code,
            reason: "x".to_owned(),
        });
        assert_eq!(end.result, ResultCode::Failed, "{code}");
    }
}
