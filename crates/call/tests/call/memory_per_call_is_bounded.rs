//! What one live call costs in the call crate: the flow's state and the runner's future
//! over the real stack (the task the daemon spawns per call). The daemon's target is
//! 64 KiB per live call in total; these bounds keep the call crate's share small.

use std::time::Duration;

use tokio::sync::watch;
use voice_otp_call::runner::{CallRunner, Stack};
use voice_otp_call::{CallFlow, CallKind, CallSpec, OtpCode, ProgressFn};
use voice_otp_media::{CodeType, Voice};

fn spec() -> CallSpec {
    CallSpec {
        call_id: "c0ffee00-0000-4000-8000-000000000000".to_owned(),
        instruction_id: None,
        kind: CallKind::Otp,
        callee: "+447700900123".to_owned(),
        caller: "+31201234567".to_owned(),
        anonymous: false,
        ring_timeout: Duration::from_secs(20),
        intro: None,
        code_prompt: None,
        replay_prompt: None,
        outro: None,
        code: Some(OtpCode::new("12")),
        code_type: CodeType::Default,
        voice: Voice::default(),
        max_replays: 1,
        auto_replay: false,
        settings: voice_otp_call::CallSettings {
            replay_wait: Duration::from_secs(1),
            ..Default::default()
        },
    }
}

fn future_size(runner: &CallRunner<Stack>) -> usize {
    let (_tx, shutdown) = watch::channel(false);
    let progress: ProgressFn = Box::new(|_| {});
    let fut = runner.run(spec(), progress, shutdown);
    std::mem::size_of_val(&fut)
}

#[tokio::test]
async fn flow_and_runner_future_are_small() {
    let flow = std::mem::size_of::<CallFlow>();
    let mut sipp = crate::sipp::Sipp::uas(crate::sipp::fixture("uas_busy_486.xml"))
        .start()
        .await;
    let (runner, _sip) = crate::sipp::runner(&sipp, 43_400).await;
    let fut = future_size(&runner);
    eprintln!("size_of CallFlow = {flow} B, runner future = {fut} B");
    assert!(flow <= 512, "CallFlow is {flow} bytes");
    assert!(fut <= 8 * 1024, "the runner future is {fut} bytes");
    // SIPp waits for one call; give it one so it exits cleanly.
    let (_tx, shutdown) = watch::channel(false);
    runner.run(spec(), Box::new(|_| {}), shutdown).await;
    assert_eq!(sipp.finish(crate::sipp::FINISH).await, 0);
}
