//! Cost of the call flow's state machine: one whole OTP call (answer, intro, reading,
//! a press of 1, second reading, outro, BYE) stepped through in virtual time.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use voice_otp_call::{Action, CallFlow, CallKind, FlowConfig};

fn config() -> FlowConfig {
    FlowConfig {
        kind: CallKind::Otp,
        ring_timeout: Duration::from_secs(60),
        intro: true,
        code_prompt: true,
        code: true,
        replay_prompt: true,
        outro: true,
        max_replays: 1,
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

/// Runs one call; returns the number of actions it produced.
fn one_call(t0: Instant) -> usize {
    let mut flow = CallFlow::new(config(), t0).expect("valid config");
    let mut now = t0;
    let mut actions = 0;
    flow.handle_provisional(now, 180);
    now += Duration::from_secs(2);
    flow.handle_answered(now);
    let mut pressed = false;
    loop {
        let Some(action) = flow.poll_action() else {
            now = flow.poll_timeout().expect("a deadline");
            flow.handle_timeout(now);
            continue;
        };
        actions += 1;
        match action {
            Action::Play(play) => {
                now += Duration::from_millis(1_500);
                if !pressed && play.segment == voice_otp_call::Segment::Code {
                    pressed = true;
                    flow.handle_dtmf(now, voice_otp_call::Digit::D1);
                } else {
                    flow.handle_playback_finished(now, play.id);
                }
            }
            Action::Hangup => flow.handle_hangup_done(now + Duration::from_millis(20)),
            Action::Finished(end) => {
                black_box(end);
                return actions;
            }
            _ => {}
        }
    }
}

fn bench(c: &mut Criterion) {
    let t0 = Instant::now();
    c.bench_function("flow/otp_call_with_replay", |b| {
        b.iter(|| one_call(black_box(t0)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
