//! Two `voice-otp serve` nodes on one PostgreSQL database share the velocity limits: a
//! burst of requests for one callee, spread over both nodes at once, gets exactly the
//! limit's worth of calls (3 in 10 minutes) and 429 for the rest; SIPp sees 3 calls and
//! both nodes list the same 3 CDRs. Without the per-callee lock held across the count and
//! the insert, the nodes count in parallel and both pass the last free slots.

use std::time::{Duration, Instant};

use serde_json::Value;
use voice_otp_suite::e2e::*;
use voice_otp_testkit::postgres::Postgres;

/// Posts the OTP body to `daemon`: the status and the JSON answer.
async fn post(client: reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let answer = post_with_token(&client, &url, &body).await;
    (answer.status, answer.json)
}

/// The CDRs `daemon` lists once `n` are there (bounded wait).
async fn wait_for_cdrs(daemon: &Daemon, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, text, cdrs) = daemon.get("/v1/cdrs").await;
        assert_eq!(status, 200, "{text}");
        let listed = cdrs
            .as_array()
            .or_else(|| cdrs["cdrs"].as_array())
            .unwrap_or_else(|| panic!("CDR list in {text}"))
            .clone();
        if listed.len() >= n || Instant::now() > deadline {
            return listed;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_over_two_nodes_gets_the_limit_once() {
    let pg = Postgres::start();
    let url = pg.create_database("voice_otp_two_nodes");
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_busy_486.xml", 3).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config.store_url = Some(url);
    config.env.push((
        "VOICE_OTP_GUARD_CALLEE_CALLS_PER_10M".to_owned(),
        "3".to_owned(),
    ));
    let node_a = Daemon::start(config.clone()).await;
    config.http_port = free_tcp_port();
    config.rtp = rtp_range();
    let node_b = Daemon::start(config).await;

    let body = otp_body("QZXJ", "");
    let mut burst = tokio::task::JoinSet::new();
    for i in 0..12 {
        let node = if i % 2 == 0 { &node_a } else { &node_b };
        let mut body = body.clone();
        // Distinct instruction ids: each request is new, only the callee is shared.
        body["instruction-id"] = format!("burst-{i}").into();
        burst.spawn(post(
            node.client.clone(),
            node.url("/voiceapi/v2/OTP"),
            body,
        ));
    }
    let mut accepted = 0;
    let mut limited = 0;
    while let Some(got) = burst.join_next().await {
        let (status, answer) = got.unwrap();
        match status {
            200 => accepted += 1,
            429 => {
                assert_eq!(
                    answer["errors"][0]["limit"], "callee-calls-per-10m",
                    "{answer}"
                );
                limited += 1;
            }
            other => panic!("unexpected {other}: {answer}"),
        }
    }
    assert_eq!(
        (accepted, limited),
        (3, 9),
        "the limit holds across the nodes"
    );
    sipp.assert_ok(Duration::from_secs(30)).await;
    // Both nodes see the same three calls, ended.
    let on_a = wait_for_cdrs(&node_a, 3).await;
    let on_b = wait_for_cdrs(&node_b, 3).await;
    assert_eq!(on_a.len(), 3, "{on_a:?}");
    assert_eq!(on_b.len(), 3, "{on_b:?}");
}
