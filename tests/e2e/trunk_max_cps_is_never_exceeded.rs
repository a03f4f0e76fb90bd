//! A trunk's `max-cps` against the real daemon: one trunk with `max-cps = 5`, 20 OTP
//! instructions posted at once. The INVITE arrival times SIPp logged (`-trace_msg`, first
//! arrival per Call-ID, so retransmissions do not count) never hold more than 5 in any
//! one-second window, and every call still finishes as 10: calls over the budget wait in
//! the queue, they are not refused. A count bound, not a speed target.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;
use voice_otp_suite::e2e::*;
use voice_otp_testkit::sipp::most_in_one_second;

const CALLS: usize = 20;
const MAX_CPS: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trunk_max_cps_is_never_exceeded() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_answer_bye.xml", CALLS as u32).await;
    let receiver = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config.trunks = Some(format!(
        "[[trunks]]\nname = \"only\"\naddress = \"{}\"\nmax-cps = {MAX_CPS}\n",
        sipp.addr()
    ));
    config.rtp = rtp_range_sized(128);
    let daemon = Daemon::start(config).await;

    let mut posts = Vec::new();
    for i in 0..CALLS {
        let mut body = otp_body("7", &receiver.url());
        body["callee"] = json!(format!("+3161234{i:04}"));
        let (client, url) = (daemon.client.clone(), daemon.url("/voiceapi/v2/OTP"));
        posts.push(tokio::spawn(async move {
            client
                .post(url)
                .header("X-CM-PRODUCTTOKEN", TOKEN)
                .json(&body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    for post in posts {
        assert_eq!(post.await.unwrap(), 200);
    }
    assert_all_10_within_max_cps(&receiver, &mut sipp, CALLS, MAX_CPS).await;
}

/// Every one of `calls` finished as 10 (callbacks within a bounded wait), SIPp is done,
/// and its INVITE arrivals (first per Call-ID) never hold more than `max_cps` in any
/// one-second window.
pub(crate) async fn assert_all_10_within_max_cps(
    receiver: &Receiver,
    sipp: &mut Sipp,
    calls: usize,
    max_cps: usize,
) {
    // Callbacks are at least once: with two nodes on one outbox an event may come twice, so
    // calls are counted by their call id.
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let mut finished = HashSet::new();
    while finished.len() < calls {
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {calls} calls called back",
            finished.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        for event in receiver.all() {
            let event = event.json();
            assert_eq!(event["result"]["code"], 10, "{event}");
            finished.insert(event["call-id"].to_string());
        }
    }
    assert_eq!(finished.len(), calls);
    sipp.assert_ok(Duration::from_secs(15)).await;

    let invites = sipp.received_invites();
    assert_eq!(invites.len(), calls, "{}", sipp.messages());
    let busiest = most_in_one_second(&invites);
    assert!(
        busiest <= max_cps,
        "{busiest} INVITEs in one second: {invites:?}"
    );
}
