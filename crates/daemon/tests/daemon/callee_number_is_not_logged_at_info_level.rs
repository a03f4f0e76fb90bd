//! The callee's number is personal data: at the default `info` log level the real
//! `voice-otp serve` never writes it (issue 11, item 6). One real call with SIPp as the
//! trunk, then the number is searched, as written and as its digits (which also covers
//! `sip:` and `tel:` URIs), in everything the daemon logged.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use voice_otp_testkit::repo_root;
use voice_otp_testkit::sipp::{Sipp, fixture};

use crate::common::{KillOnDrop, TOKEN};

const CALLEE: &str = "+31687654329";

fn mentions_callee(logs: &str) -> bool {
    let digits: String = CALLEE.chars().filter(char::is_ascii_digit).collect();
    logs.contains(CALLEE) || logs.contains(&digits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callee_number_is_not_logged_at_info_level() {
    let work = tempfile::tempdir().unwrap();
    let mut sipp = Sipp::uas(fixture("uas_answer_bye.xml"))
        .dir(work.path())
        .start()
        .await;
    let config = format!(
        r#"[http]
listen = "127.0.0.1:0"
tokens = ["{TOKEN}"]

[sip]
listen = "127.0.0.1:0"
trunk = "{trunk}"

[rtp]
ip = "127.0.0.1"
ports = "45400-45527"
realtime-priority = 0

[store]
path = "{dir}/voice-otp.db"

[audio]
dir = "{dir}/audio"
defaults = "{defaults}"

[log]
level = "info"
"#,
        trunk = sipp.addr(),
        dir = work.path().display(),
        defaults = repo_root().join("audio").display(),
    );
    let path = work.path().join("voice-otp.toml");
    std::fs::write(&path, config).unwrap();
    let stderr = work.path().join("stderr");
    let _daemon = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_voice-otp"))
            .arg("serve")
            .arg("--config")
            .arg(&path)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("voice-otp runs"),
    );
    let logs = || std::fs::read_to_string(&stderr).unwrap_or_default();

    let deadline = Instant::now() + Duration::from_secs(15);
    let addr = loop {
        let text = logs();
        if let Some(rest) = text.split("local_addr=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "voice-otp serve did not start:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{base}/voiceapi/v2/OTP"))
        .header("X-CM-PRODUCTTOKEN", TOKEN)
        .json(&json!({"callee": CALLEE, "caller": "+31201234567", "code": "12"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let queued: Value = resp.json().await.unwrap();
    let call_id = queued["call-id"].as_str().unwrap().to_owned();

    let deadline = Instant::now() + Duration::from_secs(40);
    let ended = loop {
        let url = format!("{base}/v1/calls/{call_id}");
        let resp = client.get(url).header("X-CM-PRODUCTTOKEN", TOKEN).send();
        let body: Value = resp.await.unwrap().json().await.unwrap();
        if body["state"] == "ended" {
            break body;
        }
        assert!(Instant::now() < deadline, "the call did not end: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ended["result"]["code"], 10, "{ended}");
    assert_eq!(
        ended["callee"], CALLEE,
        "the call went to the number searched for"
    );
    assert_eq!(
        sipp.finish(Duration::from_secs(30)).await,
        0,
        "SIPp saw the call as scripted"
    );

    let text = logs();
    assert!(text.contains("INFO"), "info lines were written:\n{text}");
    assert!(text.contains(&call_id), "the call is in the logs:\n{text}");
    assert!(
        !mentions_callee(&text),
        "the callee's number is in the info-level logs:\n{text}"
    );
}
