//! The OTP code never appears in a log line (trace level, every target), the SQLite files
//! (database and WAL), an API response, a CDR, a callback or the metrics, whether the
//! request succeeds or fails validation.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tracing_subscriber::prelude::*;

use crate::common::*;

const CODE: &str = "Q7Z9X4K2W8";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether the process-wide subscriber records: only while the test below runs. The
/// tests share one binary, so the subscriber is global to all of them (blocking-pool
/// threads log too, and a thread-local one would miss them); outside this test it drops
/// everything instead of formatting every other test's trace lines.
static CAPTURING: AtomicBool = AtomicBool::new(false);

/// Stops the capture when the test ends, also when it fails.
struct CaptureOn;

impl CaptureOn {
    fn start() -> CaptureOn {
        CAPTURING.store(true, Ordering::SeqCst);
        CaptureOn
    }
}

impl Drop for CaptureOn {
    fn drop(&mut self) {
        CAPTURING.store(false, Ordering::SeqCst);
    }
}

fn contains_code(haystack: &[u8]) -> bool {
    let lower = haystack.to_ascii_lowercase();
    let needle = CODE.to_ascii_lowercase();
    lower.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn the_code_is_nowhere_but_in_the_call_spec() {
    let logs = Captured::default();
    let writer = logs.clone();
    let _capture = CaptureOn::start();
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_filter(tracing_subscriber::filter::filter_fn(|_| {
            CAPTURING.load(Ordering::SeqCst)
        }));
    tracing_subscriber::registry().with(layer).init();

    let env = Env::new();
    let receiver = Receiver::start(&[500]).await;
    let mut config = env.config();
    config.callbacks.secret = "k".to_owned();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(config, exec.clone()).await;
    let mut responses = Vec::new();

    let mut body = otp_body();
    body["code"] = json!(CODE);
    body["callees"] = json!(["+31612345678", "+4915112345678"]);
    body["callback-url"] = json!(receiver.url());
    body["instruction-id"] = json!("leak-check");
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 200, "{resp}");
    responses.push(resp.to_string());
    for e in resp.as_array().unwrap() {
        let cdr = d.wait_ended(e["call-id"].as_str().unwrap()).await;
        responses.push(cdr.to_string());
    }
    // Failing requests that carry the code: bad Custom spelling, and a bad other field.
    body["code-type"] = json!("Custom");
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 400);
    responses.push(resp.to_string());
    body["code-type"] = json!("Default");
    body["max-replays"] = json!(7);
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 400);
    responses.push(resp.to_string());
    body["code"] = json!(format!("{CODE}-"));
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 400);
    responses.push(resp.to_string());
    let (_, cdrs) = d.get("/v1/cdrs").await;
    responses.push(cdrs.to_string());
    responses.push(
        d.client
            .get(d.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    // The first callback attempt fails and is retried, so both attempts are checked.
    let got = receiver.wait_for(3, Duration::from_secs(10)).await;

    // The executor did get the code: the check below would catch a leak.
    assert!(
        exec.specs()
            .iter()
            .all(|s| s.code.as_ref().unwrap().expose() == CODE)
    );
    d.daemon.shutdown().await.unwrap();

    for r in &responses {
        assert!(!contains_code(r.as_bytes()), "code in a response: {r}");
    }
    for r in &got {
        assert!(!contains_code(&r.body), "code in a callback");
        for (_, v) in r.headers.iter() {
            assert!(!contains_code(v.as_bytes()));
        }
    }
    let logs = logs.0.lock().unwrap().clone();
    assert!(
        logs.len() > 1000,
        "trace logging captured too little to be meaningful"
    );
    assert!(String::from_utf8_lossy(&logs).contains("call ended"));
    assert!(!contains_code(&logs), "code in the logs");
    let text = String::from_utf8_lossy(&logs);
    assert!(!text.contains(TOKEN), "product token in the logs");
    // Request logging is on (the trace layer), so the check covered the HTTP path too.
    assert!(text.contains("/voiceapi/v2/OTP"));
    let mut files = 0;
    for entry in std::fs::read_dir(env.db().parent().unwrap()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!contains_code(&bytes), "code in the store files");
        files += 1;
    }
    assert!(files >= 1);
    // The store really holds this run's data (so the grep above looked at the right file).
    let db = std::fs::read(env.db()).unwrap();
    assert!(db.windows(10).any(|w| w == b"leak-check"));
}
