//! The runner over an in-process far end (tokio's paused clock): it renders, dials,
//! opens the stream on answer, plays the flow's segments, turns an RFC 4733 `1` into a
//! replay, hangs up and reports an outcome whose wall-clock times follow the call.

use std::time::Duration;

use crate::fake_backend::{Act, FakeBackend, Script, otp_spec, progress_log};
use tokio::sync::watch;
use voice_otp_call::runner::CallRunner;
use voice_otp_call::{CallExecutor, LiveState, ResultCode};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test(start_paused = true)]
async fn press_one_mid_code_replays_and_the_call_ends_with_bye() {
    // Answer at 2 s (offsets below are from the answer): intro 0-2, prompt 2-3,
    // code 3-6; the key is reported at 4.5 s.
    let script = Script::answer_after(ms(2_000)).with(ms(4_500), Act::Rfc4733('1'));
    let (backend, log) = FakeBackend::new(script);
    let runner = CallRunner::with_backend(backend);
    let (progress, states) = progress_log();
    let (_tx, shutdown) = watch::channel(false);

    let outcome = runner.execute(otp_spec(), progress, shutdown).await;

    assert_eq!(outcome.result, ResultCode::Finished);
    assert_eq!(outcome.replays, 1);
    assert_eq!(outcome.code_read_count, 1);
    assert_eq!(outcome.dtmf, "1");
    assert_eq!(outcome.sip_code, Some(200));
    let answered = outcome.answered_on.expect("answered");
    assert_eq!(
        answered.duration_since(outcome.started_on).unwrap(),
        ms(2_000)
    );
    // Reading 2 runs 6.5-10.5 s, then the outro (no replays left) to 11.5 s, BYE done
    // 20 ms later.
    assert_eq!(
        outcome.ended_on.duration_since(outcome.started_on).unwrap(),
        ms(11_520)
    );

    let entries = log.lock().unwrap().entries.clone();
    let expected: Vec<(u64, &str)> = vec![
        (0, "invite"),
        (2_000, "open pcma"),
        (2_000, "play intro"),
        (4_000, "play code-prompt"),
        (5_000, "play code"),
        (6_500, "stop"),
        (6_500, "play code-prompt"),
        (7_500, "play code"),
        (10_500, "play outro"),
        (11_500, "bye"),
        (11_520, "close"),
    ];
    let got: Vec<(u64, &str)> = entries.iter().map(|(t, s)| (*t, s.as_str())).collect();
    assert_eq!(got, expected);
    assert_eq!(
        *states.lock().unwrap(),
        vec![
            LiveState::Dialling,
            LiveState::Ringing,
            LiveState::Answered,
            LiveState::Ending
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn no_key_waits_then_outro() {
    let (backend, log) = FakeBackend::new(Script::answer_after(ms(1_000)));
    let runner = CallRunner::with_backend(backend);
    let (progress, _) = progress_log();
    let (_tx, shutdown) = watch::channel(false);
    let outcome = runner.run(otp_spec(), progress, shutdown).await;
    assert_eq!(outcome.result, ResultCode::Finished);
    assert_eq!(outcome.code_read_count, 1);
    assert_eq!(outcome.replays, 0);
    let plays: Vec<(u64, String)> = log
        .lock()
        .unwrap()
        .entries
        .iter()
        .filter(|(_, s)| s.starts_with("play"))
        .cloned()
        .collect();
    // Intro 1-3, prompt 3-4, code 4-7, replay prompt 7-9, wait 9-14, outro.
    assert_eq!(plays.last().unwrap(), &(14_000, "play outro".to_owned()));
}
