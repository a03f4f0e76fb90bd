//! What one live call costs in the call crate: the flow's state and the runner's future
//! over the real stack (the task the daemon spawns per call). The daemon's target is
//! 64 KiB per live call in total; these bounds keep the call crate's share small.

use std::time::Duration;

use crate::sipp::bare_otp_spec;
use tokio::sync::watch;
use voice_otp_call::runner::{CallRunner, Stack};
use voice_otp_call::{CallFlow, CallSpec, ProgressFn};

fn spec() -> CallSpec {
    CallSpec {
        call_id: "c0ffee00-0000-4000-8000-000000000000".to_owned(),
        ..bare_otp_spec("12", Duration::from_secs(1))
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
