//! `require-keypress`: "press N to hear your code" plays after the intro; only key N
//! starts the first reading. No key or a wrong key plays the prompt once more, then the
//! call hangs up with the code unread and the check `failed`.

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, Digit, KeypressCheck, ResultCode, Segment};

/// An OTP call (intro 2 s, keypress prompt 2 s, code prompt 1 s, code 3 s) that asks for 7.
fn keypress_config() -> voice_otp_call::FlowConfig {
    voice_otp_call::FlowConfig {
        keypress: Some(Digit::D7),
        max_replays: 0,
        ..otp_config()
    }
}

/// Runs the call with one key pressed at `at_ms`.
fn press_once(at_ms: u64, key: char) -> (Sim, voice_otp_call::FlowEnd) {
    let mut sim = Sim::answered(keypress_config());
    sim.at(ms(at_ms), Event::Dtmf(key));
    let end = sim.run();
    (sim, end)
}

#[test]
fn the_right_key_starts_the_reading() {
    let (sim, end) = press_once(6_000, '7');
    assert_eq!(
        sim.plays(),
        vec![
            (1_000, Segment::Intro),
            (3_000, Segment::KeypressPrompt),
            (6_000, Segment::CodePrompt),
            (7_000, Segment::Code),
            (10_000, Segment::Outro),
        ]
    );
    assert_eq!(end.keypress_check, KeypressCheck::Passed);
    assert_eq!(end.code_read_count, 1);
    assert_eq!(end.dtmf, "7");
    assert_eq!(end.input, None, "the check is not a Request DTMF entry");
}

#[test]
fn the_key_may_interrupt_the_prompt() {
    let (sim, end) = press_once(4_000, '7');
    assert_eq!(
        sim.times_of(|a| matches!(a, Action::StopPlayback)),
        vec![4_000]
    );
    assert_eq!(sim.plays()[2], (4_000, Segment::CodePrompt));
    assert_eq!(end.keypress_check, KeypressCheck::Passed);
}

#[test]
fn a_miss_asks_once_more_then_hangs_up_unread() {
    // (wrong key, when the second prompt starts, when the call hangs up): a wrong key 3
    // at 6 s is a miss at once; no key at all is one when replay-wait (5 s) has passed
    // after the first prompt (3-5 s). A second miss hangs up replay-wait after the
    // second prompt (2 s).
    for (wrong, second_prompt, hangup) in [(Some('3'), 6_000, 13_000), (None, 10_000, 17_000)] {
        let mut sim = Sim::answered(keypress_config());
        if let Some(key) = wrong {
            sim.at(ms(6_000), Event::Dtmf(key));
        }
        let end = sim.run();
        assert_eq!(
            sim.plays(),
            vec![
                (1_000, Segment::Intro),
                (3_000, Segment::KeypressPrompt),
                (second_prompt, Segment::KeypressPrompt),
            ],
            "{wrong:?}"
        );
        assert_eq!(end.keypress_check, KeypressCheck::Failed);
        assert_eq!(end.code_read_count, 0);
        assert_eq!(end.result, ResultCode::Finished);
        let hung_up = sim.times_of(|a| matches!(a, Action::Hangup));
        assert_eq!(hung_up, vec![hangup], "{wrong:?}");
    }
}

#[test]
fn a_one_during_the_check_is_a_wrong_key_not_a_replay() {
    let mut sim = Sim::answered(keypress_config());
    sim.at(ms(6_000), Event::Dtmf('1'))
        .at(ms(9_000), Event::Dtmf('7'));
    let end = sim.run();
    assert_eq!(
        sim.segments()[..4],
        [
            Segment::Intro,
            Segment::KeypressPrompt,
            Segment::KeypressPrompt,
            Segment::CodePrompt
        ]
    );
    assert_eq!(end.keypress_check, KeypressCheck::Passed);
    assert_eq!(end.replays, 0);
}

#[test]
fn without_the_option_there_is_no_check() {
    let mut sim = Sim::answered(otp_config());
    let end = sim.run();
    assert!(!sim.segments().contains(&Segment::KeypressPrompt));
    assert_eq!(end.keypress_check, KeypressCheck::NotRequired);
}
