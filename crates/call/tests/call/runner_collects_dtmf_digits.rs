//! The runner drives a Request DTMF call (tokio's paused clock, in-process far end): it
//! renders and plays the input, invalid and valid prompts as the collector asks, feeds it
//! the RFC 4733 keys, and reports what was collected in the outcome.

use std::time::Duration;

use crate::fake_backend::{Act, FakeBackend, Script, otp_spec, progress_log};
use tokio::sync::watch;
use voice_otp_call::runner::CallRunner;
use voice_otp_call::{
    CallExecutor, CallKind, CallSpec, CollectRules, InputStatus, KeypressCheck, ResultCode,
};
use voice_otp_media::PromptSource;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Four keys exactly, two attempts of 3 s per key, every prompt present.
fn dtmf_spec() -> CallSpec {
    CallSpec {
        kind: CallKind::Dtmf,
        intro: None,
        replay_prompt: None,
        code: None,
        max_replays: 0,
        code_prompt: Some(PromptSource::Tts("Enter your PIN".to_owned())),
        outro: Some(PromptSource::Tts("Thank you".to_owned())),
        invalid_prompt: Some(PromptSource::Tts("That was not right".to_owned())),
        collect: Some(CollectRules {
            min_digits: 4,
            max_digits: 4,
            max_attempts: 2,
            timeout: ms(3_000),
            terminators: "#".parse().unwrap(),
            pattern: None,
        }),
        ..otp_spec()
    }
}

#[tokio::test(start_paused = true)]
async fn a_short_entry_retries_and_the_second_is_reported() {
    // Answer at 2 s; the script's key times count from the answer. Prompt 2-3 s; "12"
    // at 5.5 and 6 s, then 3 s of nothing (9 s): invalid prompt 9-10.5 s, prompt
    // 10.5-11.5 s; "5678" from 12 s ends the entry at 13.5 s (max-digits): valid
    // prompt 13.5-14.5 s, then BYE.
    let mut script = Script::answer_after(ms(2_000))
        .with(ms(3_500), Act::Rfc4733('1'))
        .with(ms(4_000), Act::Rfc4733('2'));
    for (i, key) in "5678".chars().enumerate() {
        script = script.with(ms(10_000 + 500 * i as u64), Act::Rfc4733(key));
    }
    let (backend, log) = FakeBackend::new(script);
    let runner = CallRunner::with_backend(backend);
    let (progress, _states) = progress_log();
    let (_tx, shutdown) = watch::channel(false);

    let outcome = runner.execute(dtmf_spec(), progress, shutdown).await;

    assert_eq!(outcome.result, ResultCode::Finished);
    let input = outcome
        .input
        .expect("a Request DTMF call reports its input");
    assert_eq!(input.digits, "5678");
    assert_eq!(input.status, InputStatus::Valid);
    assert_eq!(input.attempts, 2);
    assert_eq!(outcome.dtmf, "125678");
    assert_eq!(outcome.keypress_check, KeypressCheck::NotRequired);
    let plays: Vec<(u64, String)> = log
        .lock()
        .unwrap()
        .entries
        .iter()
        .filter(|(_, s)| s.starts_with("play "))
        .cloned()
        .collect();
    let expected = [
        (2_000, "play code-prompt"),
        (9_000, "play invalid-prompt"),
        (10_500, "play code-prompt"),
        (13_500, "play outro"),
    ];
    let got: Vec<(u64, &str)> = plays.iter().map(|(t, s)| (*t, s.as_str())).collect();
    assert_eq!(got, expected);
}
