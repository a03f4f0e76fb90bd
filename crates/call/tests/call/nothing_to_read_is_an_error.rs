//! A flow with neither code nor code prompt would answer and read nothing: refused.
use std::time::Instant;

use voice_otp_call::{CallFlow, CallKind, Error, FlowConfig};

#[test]
fn no_code_and_no_prompt_is_refused() {
    let config = FlowConfig {
        kind: CallKind::Notification,
        ring_timeout: std::time::Duration::from_secs(60),
        intro: true,
        code_prompt: false,
        code: false,
        replay_prompt: false,
        outro: true,
        max_replays: 0,
        auto_replay: false,
        replay_wait: std::time::Duration::from_secs(5),
        prompt_gap: std::time::Duration::ZERO,
        max_duration: std::time::Duration::from_secs(600),
        ending_timeout: std::time::Duration::from_secs(32),
        collect: None,
        invalid_prompt: false,
        keypress: None,
    };
    assert!(matches!(
        CallFlow::new(config, Instant::now()),
        Err(Error::NothingToRead)
    ));
}
