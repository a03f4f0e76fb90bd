//! Velocity and volume limits (issue 12, item 3) against the real daemon: over a limit the
//! answer is a 429 with `Retry-After` and a JSON error naming the limit, nothing is dialled
//! (SIPp sees only the calls within the limits) and nothing is stored; the counters are
//! the calls in the store, so they hold across a restart.

use std::time::Duration;

use serde_json::{Value, json};
use voice_otp_suite::e2e::*;

fn limited(mut config: DaemonConfig, pairs: &[(&str, &str)]) -> DaemonConfig {
    for (k, v) in pairs {
        config.env.push(((*k).to_owned(), (*v).to_owned()));
    }
    config
}

/// Posts and returns status, `Retry-After` and the JSON body.
async fn post(daemon: &Daemon, body: &Value) -> (u16, Option<u64>, Value) {
    post_with(&daemon.client, &daemon.url("/voiceapi/v2/OTP"), body).await
}

async fn post_with(client: &reqwest::Client, url: &str, body: &Value) -> (u16, Option<u64>, Value) {
    let answer = post_with_token(client, url, body).await;
    let retry = answer.retry_after.and_then(|v| v.parse().ok());
    (answer.status, retry, answer.json)
}

fn assert_limited(got: &(u16, Option<u64>, Value), limit: &str) {
    let (status, retry, body) = got;
    assert_eq!(*status, 429, "{body}");
    assert!(retry.is_some(), "no Retry-After: {body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["errors"][0]["limit"], limit, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fourth_call_to_one_number_in_10_minutes_is_429_also_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_busy_486.xml", 3).await;
    // The default: 3 calls to one callee in 10 minutes.
    let config = limited(
        DaemonConfig::new(dir.path(), sipp.addr()),
        &[("VOICE_OTP_GUARD_CALLEE_CALLS_PER_10M", "3")],
    );
    let daemon = Daemon::start(config.clone()).await;
    let body = otp_body("4829", "");
    for _ in 0..3 {
        assert_eq!(post(&daemon, &body).await.0, 200);
    }
    let over = post(&daemon, &body).await;
    assert_limited(&over, "callee-calls-per-10m");
    let retry = over.1.unwrap();
    assert!((1..=600).contains(&retry), "Retry-After {retry}");
    // Nothing past the three is dialled: SIPp's script has three calls.
    sipp.assert_ok(Duration::from_secs(20)).await;
    assert_eq!(config.stored_calls(), 3);
    drop(daemon);

    let mut again = config;
    again.http_port = free_tcp_port();
    let restarted = Daemon::start(again.clone()).await;
    assert_limited(&post(&restarted, &body).await, "callee-calls-per-10m");
    assert_eq!(again.stored_calls(), 3, "a refused request stores nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callees_per_request_queued_calls_and_calls_per_second_are_limited() {
    let dir = tempfile::tempdir().unwrap();
    // A trunk that rings and never answers: dialled calls stay unfinished for the
    // ring timeout (60 s), far longer than this test.
    let _sipp = sipp_trunk(dir.path(), "uas_ring_no_answer.xml", 20).await;
    let config = limited(
        DaemonConfig::new(dir.path(), _sipp.addr()),
        &[
            ("VOICE_OTP_GUARD_MAX_CALLEES_PER_REQUEST", "100"),
            ("VOICE_OTP_GUARD_MAX_QUEUED_CALLS", "10"),
            ("VOICE_OTP_GUARD_CALLS_PER_SECOND", "2"),
        ],
    );
    let daemon = Daemon::start(config.clone()).await;
    let numbers = |first: u32, n: u32| -> Vec<String> {
        (first..first + n)
            .map(|i| format!("+316123{i:05}"))
            .collect()
    };
    let mut body = otp_body("4829", "");
    body.as_object_mut().unwrap().remove("callee");

    // 101 callees in one request.
    body["callees"] = json!(numbers(0, 101));
    assert_limited(&post(&daemon, &body).await, "max-callees-per-request");
    assert_eq!(config.stored_calls(), 0);

    // Requests of 2 callees at once: the tenant's calls of the last second reach 2 with
    // the first, so at least one of the others is refused.
    let url = daemon.url("/voiceapi/v2/OTP");
    let tasks: Vec<_> = (0..4)
        .map(|k| {
            let mut b = body.clone();
            b["callees"] = json!(numbers(200 + 2 * k, 2));
            let (client, url) = (daemon.client.clone(), url.clone());
            tokio::spawn(async move { post_with(&client, &url, &b).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let refused: Vec<_> = answers.iter().filter(|a| a.0 == 429).collect();
    assert!(!refused.is_empty(), "{answers:?}");
    for a in &refused {
        assert_limited(a, "calls-per-second");
    }
    let accepted = answers.iter().filter(|a| a.0 == 200).count() as i64;
    assert_eq!(config.stored_calls(), 2 * accepted);

    // Queued calls: at most 10 not yet ended.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut queued = 2 * accepted;
    let mut k = 300;
    let mut last = None;
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        body["callees"] = json!(numbers(k, 2));
        k += 2;
        let got = post(&daemon, &body).await;
        if got.0 == 200 {
            queued += 2;
        } else {
            last = Some(got);
            break;
        }
    }
    let got = last.expect("the queue limit was never reached");
    assert_limited(&got, "max-queued-calls");
    assert!(queued <= 10, "{queued} calls queued");
    assert_eq!(config.stored_calls(), queued);
}
