//! A "playback finished" for audio that was already stopped (or for an unknown play)
//! must not advance the flow: only the id of the current play counts.
use std::time::{Duration, Instant};

use voice_otp_call::{Action, CallFlow, CallKind, FlowConfig, Play, PlayId, Segment};

fn config() -> FlowConfig {
    FlowConfig {
        kind: CallKind::Otp,
        ring_timeout: Duration::from_secs(60),
        intro: false,
        code_prompt: true,
        code: true,
        replay_prompt: true,
        outro: true,
        max_replays: 2,
        auto_replay: false,
        replay_wait: Duration::from_secs(5),
        prompt_gap: Duration::ZERO,
        max_duration: Duration::from_secs(600),
        ending_timeout: Duration::from_secs(32),
        collect: None,
        invalid_prompt: false,
        keypress: None,
    }
}

fn plays(flow: &mut CallFlow) -> Vec<Play> {
    std::iter::from_fn(|| flow.poll_action())
        .filter_map(|a| match a {
            Action::Play(p) => Some(p),
            _ => None,
        })
        .collect()
}

#[test]
fn finish_of_an_interrupted_prompt_does_not_skip_the_new_one() {
    let t0 = Instant::now();
    let mut flow = CallFlow::new(config(), t0).unwrap();
    flow.handle_answered(t0);
    let first = plays(&mut flow);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].segment, Segment::CodePrompt);

    // 1 pressed during the first code prompt: a new code prompt replaces it.
    flow.handle_dtmf(t0 + Duration::from_millis(200), voice_otp_call::Digit::D1);
    let actions: Vec<Action> = std::iter::from_fn(|| flow.poll_action()).collect();
    assert_eq!(actions[0], Action::StopPlayback);
    let Action::Play(second) = actions[1] else {
        panic!("expected a play, got {actions:?}");
    };
    assert_eq!(second.segment, Segment::CodePrompt);
    assert_ne!(second.id, first[0].id);

    // The player reports the end of the stopped prompt late: nothing happens.
    flow.handle_playback_finished(t0 + Duration::from_millis(210), first[0].id);
    assert_eq!(flow.poll_action(), None);
    // An id never handed out: nothing happens either.
    flow.handle_playback_finished(t0 + Duration::from_millis(220), PlayId(999));
    assert_eq!(flow.poll_action(), None);

    // The real end of the current prompt moves on to the code.
    flow.handle_playback_finished(t0 + Duration::from_millis(1_200), second.id);
    let next = plays(&mut flow);
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].segment, Segment::Code);

    // Reporting the same end twice does nothing the second time.
    flow.handle_playback_finished(t0 + Duration::from_millis(1_300), second.id);
    assert_eq!(flow.poll_action(), None);
}
