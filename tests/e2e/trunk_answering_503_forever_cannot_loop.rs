//! Attack: a hostile (or broken) trunk group where every trunk answers 503 to every INVITE.
//! Failover must not turn that into a call loop: each call tries each trunk once, then
//! ends as failed (11) with the last trunk's 503, so the INVITEs are bounded by the trunk
//! count (and the ring time). Without the tried-trunks bound the daemon would INVITE again
//! and again and SIPp, scripted for exactly one INVITE per call, would fail.

use std::time::Duration;

use serde_json::json;
use voice_otp_suite::e2e::*;

use crate::trunk_failover_places_calls_through_b::{metric, two_trunks};

const CALLS: u32 = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_trunk_answering_503_ends_each_call_after_one_invite_per_trunk() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = sipp_trunk(dir.path(), "uas_unavailable_503.xml", CALLS).await;
    let mut b = sipp_trunk(dir.path(), "uas_unavailable_503.xml", CALLS).await;
    let receiver = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), b.addr());
    config.trunks = Some(two_trunks(a.addr(), b.addr()));
    let daemon = Daemon::start(config).await;

    for i in 0..CALLS {
        let mut body = otp_body("4829", &receiver.url());
        body["callee"] = json!(format!("+3161234{i:04}"));
        daemon.otp_call(&body).await;
    }
    let got = receiver
        .wait_for(CALLS as usize, Duration::from_secs(30))
        .await;
    for event in &got {
        let event = event.json();
        assert_eq!(event["result"]["code"], 11, "{event}");
        assert_eq!(event["result"]["sip-disconnect-code"], 503, "{event}");
        assert!(event["answered-on"].is_null(), "{event}");
    }
    a.assert_ok(Duration::from_secs(10)).await;
    b.assert_ok(Duration::from_secs(10)).await;
    // Give a looping daemon time to send more before counting.
    tokio::time::sleep(Duration::from_secs(1)).await;
    for trunk in ["a", "b"] {
        let series = format!("voice_otp_trunk_attempts_total{{trunk=\"{trunk}\",result=\"503\"}}");
        assert_eq!(metric(&daemon, &series).await, u64::from(CALLS), "{series}");
    }
}
