//! Attack: a hostile (or broken) trunk group where every trunk answers 503 to every INVITE.
//! Failover must not turn that into a call loop: each call tries each trunk once, then
//! ends as failed (11) with the last trunk's 503, so the INVITEs are bounded by the trunk
//! count (and the ring time). Without the tried-trunks bound the daemon would INVITE again
//! and again and SIPp, scripted for exactly one INVITE per call, would fail.

use std::time::Duration;

use crate::trunk_failover_places_calls_through_b::TwoTrunks;

const CALLS: u32 = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_trunk_answering_503_ends_each_call_after_one_invite_per_trunk() {
    let scenario = "uas_unavailable_503.xml";
    let mut t = TwoTrunks::start(scenario, scenario, CALLS).await;
    let got = t
        .receiver
        .wait_for(CALLS as usize, Duration::from_secs(30))
        .await;
    for event in &got {
        let event = event.json();
        assert_eq!(event["result"]["code"], 11, "{event}");
        assert_eq!(event["result"]["sip-disconnect-code"], 503, "{event}");
        assert!(event["answered-on"].is_null(), "{event}");
    }
    t.a.assert_ok(Duration::from_secs(10)).await;
    t.b.assert_ok(Duration::from_secs(10)).await;
    // Give a looping daemon time to send more before counting.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(t.attempts("a", "503").await, u64::from(CALLS));
    assert_eq!(t.attempts("b", "503").await, u64::from(CALLS));
}
