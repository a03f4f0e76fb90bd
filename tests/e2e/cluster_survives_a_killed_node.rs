//! Issue 14's test: two `voice-otp serve` nodes on one PostgreSQL database and SIPp as the
//! trunk (it answers and waits for the caller's BYE), each node with `max-concurrent` 20 and
//! one trunk whose `max-cps` is below both the posting rate and the nodes' 40 slots, so the
//! budget is what holds SIPp's INVITE rate. 200 OTP instructions are posted at 50 per
//! second, alternating between the nodes' HTTP ports (after the kill only the survivor's,
//! as a balancer would); node a is `kill -9`ed half way. What holds:
//!
//! - every accepted instruction has exactly one CDR and at least one signed callback;
//! - the calls node a had live end as 11 "node lost", with their callbacks within 30 s of
//!   the kill; every other call (queued, or claimed by node a but not dialled) is placed by
//!   the survivor and ends as 10;
//! - no callee is dialled twice: SIPp's message log holds one INVITE (first arrival per
//!   SIP Call-ID) per callee;
//! - SIPp never sees more than `max-cps` INVITEs in any one-second window.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use voice_otp_suite::e2e::*;
use voice_otp_testkit::postgres::Postgres;
use voice_otp_testkit::sipp::most_in_one_second;

const CALLS: usize = 200;
const RATE: u64 = 50;
const MAX_CONCURRENT: usize = 20;
const MAX_CPS: usize = 20;
/// Node a is killed after this many posts.
const KILL_AFTER: usize = CALLS / 2;

fn callee(i: usize) -> String {
    format!("+3161{i:07}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_one_killed_every_call_ends_once() {
    let pg = Postgres::start();
    let url = pg.create_database("voice_otp_killed_node");
    let dir = tempfile::tempdir().unwrap();
    let sipp = sipp_trunk(dir.path(), "uas_answer_bye.xml", CALLS as u32).await;
    let receiver = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config.store_url = Some(url);
    config.log_level = "warn".to_owned();
    config.calls_extra = format!("max-concurrent = {MAX_CONCURRENT}");
    config.trunks = Some(format!(
        "[[trunks]]\nname = \"only\"\naddress = \"{}\"\nmax-cps = {MAX_CPS}\n",
        sipp.addr()
    ));
    config.rtp = rtp_range_sized(128);
    let node_a = Daemon::start(config.clone()).await;
    config.http_port = free_tcp_port();
    config.rtp = rtp_range_sized(128);
    let node_b = Arc::new(Daemon::start(config).await);
    let mut node_a = Some(node_a);
    let a_base = node_a.as_ref().unwrap().base.clone();

    // Posts at 50 per second: even ones to node a until it is killed, the rest to node b.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let t0 = Instant::now();
    let mut posts = Vec::new();
    let mut killed_at = None;
    for i in 0..CALLS {
        tokio::time::sleep_until((t0 + Duration::from_millis(i as u64 * 1000 / RATE)).into()).await;
        if i == KILL_AFTER {
            node_a.take().unwrap().sigkill().await;
            killed_at = Some(Instant::now());
        }
        let base = if i % 2 == 0 && killed_at.is_none() {
            a_base.clone()
        } else {
            node_b.base.clone()
        };
        let body = json!({
            "callee": callee(i),
            "caller": "+31201234567",
            "code": "1234",
            "callback-url": receiver.url(),
            "instruction-id": format!("kill-{i}"),
        });
        let client = client.clone();
        posts.push(tokio::spawn(async move {
            let response = client
                .post(format!("{base}/voiceapi/v2/OTP"))
                .header("X-CM-PRODUCTTOKEN", TOKEN)
                .json(&body)
                .send()
                .await;
            match response {
                Ok(r) if r.status() == 200 => {
                    let v: serde_json::Value = r.json().await.unwrap();
                    Some((i, v["call-id"].as_str().unwrap().to_owned()))
                }
                // Node a died with the request: not accepted, as far as the client knows.
                _ => None,
            }
        }));
    }
    let killed_at = killed_at.unwrap();
    let mut accepted = HashMap::new();
    for p in posts {
        if let Some((i, id)) = p.await.unwrap() {
            accepted.insert(id, i);
        }
    }
    assert!(
        accepted.len() >= CALLS - 10,
        "only {} of {CALLS} accepted",
        accepted.len()
    );

    // Callbacks: when each call's first one came.
    let mut first_seen: HashMap<String, Instant> = HashMap::new();
    let deadline = killed_at + Duration::from_secs(60);
    loop {
        for got in receiver.all() {
            let id = got.json()["call-id"].as_str().unwrap().to_owned();
            first_seen.entry(id).or_insert_with(Instant::now);
        }
        if accepted.keys().all(|id| first_seen.contains_key(id)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} accepted calls called back: {}",
            accepted
                .keys()
                .filter(|id| first_seen.contains_key(*id))
                .count(),
            accepted.len(),
            node_b.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all = receiver.all();
    let mut results: HashMap<String, (u64, String)> = HashMap::new();
    for got in &all {
        assert_signed(got, SECRET);
        let event = got.json();
        let id = event["call-id"].as_str().unwrap().to_owned();
        let code = event["result"]["code"].as_u64().unwrap();
        let reason = event["result"]["sip-disconnect-reason"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // At least once: a repeat says the same.
        if let Some(before) = results.insert(id.clone(), (code, reason.clone())) {
            assert_eq!(
                before,
                (code, reason),
                "{id} called back twice, differently"
            );
        }
    }

    let mut lost = Vec::new();
    for (id, i) in &accepted {
        let (code, reason) = &results[id];
        match code {
            10 => {}
            11 if reason == "node lost" => {
                lost.push(*i);
                let after = first_seen[id].duration_since(killed_at);
                assert!(
                    after <= Duration::from_secs(30),
                    "{id} closed {after:?} after the kill"
                );
            }
            _ => panic!("{id} ended {code} {reason:?}"),
        }
        // Exactly one CDR, the same from the survivor.
        let (status, text, cdrs) = node_b
            .get(&format!("/v1/cdrs?instruction-id=kill-{i}"))
            .await;
        assert_eq!(status, 200, "{text}");
        let cdrs = cdrs
            .as_array()
            .or_else(|| cdrs["cdrs"].as_array())
            .unwrap_or_else(|| panic!("CDR list in {text}"))
            .clone();
        assert_eq!(cdrs.len(), 1, "{id}: {cdrs:?}");
        assert_eq!(cdrs[0]["result"]["code"].as_u64(), Some(*code), "{id}");
    }
    // Node a had calls live (else the test shows nothing), and no more than its slots.
    assert!(
        !lost.is_empty() && lost.len() <= MAX_CONCURRENT,
        "{} calls node lost",
        lost.len()
    );

    // SIPp: one INVITE per callee, never more than max-cps a second.
    let invites = sipp.received_invites();
    let mut per_callee: HashMap<&str, usize> = HashMap::new();
    for invite in &invites {
        *per_callee.entry(invite.callee.as_str()).or_default() += 1;
    }
    for (c, n) in &per_callee {
        assert_eq!(*n, 1, "{c} dialled {n} times");
    }
    for i in accepted.values() {
        assert!(
            per_callee.contains_key(callee(*i).as_str()),
            "{} never dialled",
            callee(*i)
        );
    }
    let busiest = most_in_one_second(&invites);
    assert!(
        busiest <= MAX_CPS,
        "{busiest} INVITEs in one second: {invites:?}"
    );
    let repeated = all.len() - results.len();
    eprintln!(
        "accepted {}, node lost {}, dialled {} (at most {busiest} in a second), callbacks {} ({} repeated), last callback {:?} after the kill, wall {:?}",
        accepted.len(),
        lost.len(),
        invites.len(),
        all.len(),
        repeated,
        first_seen
            .values()
            .max()
            .map(|t| t.duration_since(killed_at)),
        t0.elapsed()
    );
}
