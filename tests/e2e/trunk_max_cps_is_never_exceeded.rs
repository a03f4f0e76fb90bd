//! A trunk's `max-cps` against the real daemon: one trunk with `max-cps = 5`, 20 OTP
//! instructions posted at once. The INVITE arrival times SIPp logged (`-trace_msg`, first
//! arrival per Call-ID, so retransmissions do not count) never hold more than 5 in any
//! one-second window, and every call still finishes as 10: calls over the budget wait in
//! the queue, they are not refused. A count bound, not a speed target.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;
use voice_otp_suite::e2e::*;

const CALLS: usize = 20;
const MAX_CPS: usize = 5;

/// Seconds since midnight of each INVITE SIPp received, first arrival per Call-ID.
fn invite_arrivals(messages: &str) -> Vec<f64> {
    let mut seen = HashSet::new();
    let mut arrivals = Vec::new();
    for block in messages
        .split("-----------------------------------------------")
        .skip(1)
    {
        let mut lines = block.lines();
        // " 2026-12-02 07:05:18.394149"
        let stamp = lines.next().unwrap_or_default().trim();
        let received = lines.next().is_some_and(|l| l.contains("message received"));
        let mut message = lines.skip_while(|l| l.trim().is_empty());
        let is_invite = message.next().is_some_and(|l| l.starts_with("INVITE "));
        if !(received && is_invite) {
            continue;
        }
        let call_id = message
            .find_map(|l| l.strip_prefix("Call-ID:"))
            .unwrap_or_else(|| panic!("INVITE without Call-ID in\n{block}"))
            .trim()
            .to_owned();
        if !seen.insert(call_id) {
            continue;
        }
        let time = stamp.rsplit(' ').next().unwrap();
        let mut parts = time.split(':').map(|p| p.parse::<f64>().unwrap());
        let (h, m, s) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        arrivals.push(h * 3600.0 + m * 60.0 + s);
    }
    arrivals.sort_by(f64::total_cmp);
    arrivals
}

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

    let arrivals = invite_arrivals(&sipp.messages());
    assert_eq!(arrivals.len(), calls, "{}", sipp.messages());
    for (i, t) in arrivals.iter().enumerate() {
        let in_second = arrivals[i..].iter().take_while(|u| *u - t < 1.0).count();
        assert!(
            in_second <= max_cps,
            "{in_second} INVITEs in the second from {t}: {arrivals:?}"
        );
    }
}
