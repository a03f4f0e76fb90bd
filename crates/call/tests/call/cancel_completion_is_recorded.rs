//! When the SIP layer reports that our CANCEL completed, the flow records the INVITE's
//! final status: 487 normally, 200 when the answer raced the CANCEL and was BYEd by the
//! SIP layer, nothing when no final response came. The result stays 9.
use std::time::{Duration, Instant};

use voice_otp_call::{Action, CallFlow, EndCause, FlowEnd, LiveState, ResultCode};

fn ring_out(final_code: Option<u16>) -> FlowEnd {
    let mut config = crate::common::otp_config();
    config.ring_timeout = Duration::from_secs(10);
    let t0 = Instant::now();
    let mut flow = CallFlow::new(config, t0).unwrap();
    flow.handle_provisional(t0 + Duration::from_millis(100), 180);
    let deadline = flow.poll_timeout().unwrap();
    assert_eq!(deadline, t0 + Duration::from_secs(10));
    flow.handle_timeout(deadline);
    let actions: Vec<Action> = std::iter::from_fn(|| flow.poll_action()).collect();
    assert!(actions.contains(&Action::Cancel));
    assert_eq!(flow.live_state(), LiveState::Ending);
    flow.handle_cancelled(deadline + Duration::from_millis(30), final_code);
    match flow.poll_action() {
        Some(Action::Finished(end)) => end,
        other => panic!("expected Finished, got {other:?}"),
    }
}

#[test]
fn request_terminated() {
    let end = ring_out(Some(487));
    assert_eq!(end.result, ResultCode::Cancelled);
    assert_eq!(end.cause, EndCause::RingTimeout);
    assert_eq!(end.sip_code, Some(487));
    assert_eq!(end.sip_reason.as_deref(), Some("Request Terminated"));
}

#[test]
fn answer_raced_the_cancel() {
    let end = ring_out(Some(200));
    assert_eq!(end.result, ResultCode::Cancelled);
    assert_eq!(end.sip_code, Some(200));
    assert_eq!(end.code_read_count, 0);
}

#[test]
fn nothing_came_back() {
    let end = ring_out(None);
    assert_eq!(end.result, ResultCode::Cancelled);
    assert_eq!(end.sip_code, None);
    assert_eq!(end.sip_reason, None);
}

#[test]
fn endpoint_cancel_without_our_request_is_a_shutdown_cancel() {
    let t0 = Instant::now();
    let mut flow = CallFlow::new(crate::common::otp_config(), t0).unwrap();
    let _ = std::iter::from_fn(|| flow.poll_action()).count();
    flow.handle_cancelled(t0 + Duration::from_secs(1), Some(487));
    let Some(Action::Finished(end)) = flow.poll_action() else {
        panic!("expected Finished");
    };
    assert_eq!(end.result, ResultCode::Cancelled);
    assert_eq!(end.cause, EndCause::Shutdown);
}
