//! The OTP code never leaves the call's audio: a full call (answered, key 1 pressed,
//! replayed, hung up, callback delivered, CDR queried) with the daemon at `trace` log
//! level, after which the distinctive code `Q7X9Z2` is searched, case-insensitively and in
//! its spaced, dashed and spelled-file forms, in everything the daemon wrote: stdout and
//! stderr, the SQLite files (db, -wal, -shm), every HTTP response and every callback
//! (headers and body).

use std::time::Duration;

use serde_json::json;
use voice_otp_suite::e2e::*;

const CODE: &str = "Q7X9Z2";

/// The forms in which a code could hide: as is, and with everything that separates the
/// characters removed (spaces, dashes, commas, quotes, JSON array syntax, and spelling
/// file names such as `spelling/en-GB/q.wav`).
fn leaks(haystack: &[u8]) -> Option<&'static str> {
    let lower: Vec<u8> = haystack.to_ascii_lowercase();
    let needle = CODE.to_ascii_lowercase();
    if lower.windows(needle.len()).any(|w| w == needle.as_bytes()) {
        return Some("verbatim");
    }
    let text = String::from_utf8_lossy(&lower)
        .replace(".wav", "")
        .replace("spelling", "")
        .replace("en-gb", "");
    let squeezed: String = text.chars().filter(char::is_ascii_alphanumeric).collect();
    if squeezed.contains(&needle) {
        return Some("with separators removed");
    }
    None
}

fn assert_clean(what: &str, bytes: &[u8]) {
    if let Some(form) = leaks(bytes) {
        panic!(
            "the code appears ({form}) in {what}:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

fn store_files(db: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .filter_map(|suffix| {
            let path = format!("{}{suffix}", db.display());
            std::fs::read(&path).ok().map(|b| (path, b))
        })
        .collect()
}

#[test]
fn the_leak_check_finds_every_form() {
    for text in [
        "code=Q7X9Z2",
        "chars [\"q\",\"7\",\"x\",\"9\",\"z\",\"2\"]",
        "Q 7 X - 9 Z 2",
        "playing spelling/en-GB/q.wav spelling/en-GB/7.wav spelling/en-GB/x.wav \
         spelling/en-GB/9.wav spelling/en-GB/z.wav spelling/en-GB/2.wav",
    ] {
        assert!(leaks(text.as_bytes()).is_some(), "{text}");
    }
    assert!(leaks(b"call 6f1e-77 code-read-count=2").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_is_nowhere_after_a_call_at_trace_level() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "e2e_answer_press1_in_wait.xml", 1).await;
    // The first attempt fails so the retry path is logged too.
    let receiver = Receiver::start(&[500]).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config.log_level = "trace".to_owned();
    let mut daemon = Daemon::start(config.clone()).await;

    let mut responses = Vec::new();
    let mut body = otp_body(CODE, &receiver.url());
    body["max-replays"] = json!(1);
    body["instruction-id"] = json!("e2e-leak");
    let (status, text, queued) = daemon.otp(&body).await;
    assert_eq!(status, 200, "{text}");
    responses.push(text);
    let call_id = queued["call-id"].as_str().unwrap().to_owned();
    // A rejected request with a bad field next to the code must not echo the code back.
    let mut bad = body.clone();
    bad["max-replays"] = json!(9);
    let (status, text, _) = daemon.otp(&bad).await;
    assert_eq!(status, 400, "{text}");
    responses.push(text);

    let got = receiver.wait_for(2, Duration::from_secs(40)).await;
    sipp.assert_ok(Duration::from_secs(15)).await;
    let event = got[1].json();
    assert_eq!(event["result"]["code"], 10, "{event}");
    assert_eq!(event["replays"], 1, "the call ran its full flow: {event}");

    for path in [
        format!("/v1/calls/{call_id}"),
        "/v1/cdrs".to_owned(),
        "/v1/cdrs?instruction-id=e2e-leak".to_owned(),
        "/metrics".to_owned(),
        "/healthz".to_owned(),
    ] {
        let (status, text, _) = daemon.get(&path).await;
        assert_eq!(status, 200, "{path}: {text}");
        responses.push(text);
    }
    for (path, bytes) in store_files(&config.db()) {
        assert_clean(&format!("store file {path} (live)"), &bytes);
    }

    daemon.sigterm();
    let status = daemon.wait_exit(Duration::from_secs(15)).await;
    assert!(status.success());

    let logs = daemon.logs();
    // The check means something only if trace logging ran through the call.
    assert!(logs.contains("TRACE"), "no trace lines in the daemon logs");
    assert!(logs.contains(&call_id), "the call is not in the logs");
    assert!(logs.lines().count() > 50, "too few log lines:\n{logs}");
    assert_clean("the daemon's stdout/stderr", logs.as_bytes());
    for (i, text) in responses.iter().enumerate() {
        assert_clean(&format!("HTTP response #{i}"), text.as_bytes());
    }
    for r in receiver.all() {
        assert_clean("a callback body", &r.body);
        for (name, value) in &r.headers {
            assert_clean(&format!("callback header {name}"), value.as_bytes());
        }
    }
    let files = store_files(&config.db());
    assert!(
        !files.is_empty(),
        "no store files at {}",
        config.db().display()
    );
    for (path, bytes) in files {
        assert_clean(&format!("store file {path}"), &bytes);
    }
}
