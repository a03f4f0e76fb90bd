//! A short, bounded version of the capacity run (`examples/load_otp.rs`): 150 OTP requests
//! at 100 per second, each a call that SIPp answers and the daemon hangs up once the code
//! is read. Every call is accepted, dialled and finished (result 10 in `/metrics`), SIPp saw every call as
//! scripted, and no call waited in the queue past the burst.

use std::time::{Duration, Instant};

use serde_json::json;
use voice_otp_suite::e2e::*;

const CALLS: u64 = 150;
const RATE: u64 = 100;

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_150_calls_at_100_per_second_all_finish() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(
        dir.path(),
        // SIPp waits for the daemon's BYE: a far end that hangs up on a timer races the
        // end of the reading, and SIPp counts a BYE that wins that race as a failed call.
        "uas_answer_bye.xml",
        CALLS as u32,
    )
    .await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config.log_level = "warn".to_owned();
    // About 30 calls overlap, each holding an RTP port pair until its teardown ends.
    config.rtp = rtp_range_sized(512);
    let daemon = Daemon::start(config).await;

    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..CALLS {
        tokio::time::sleep_until((t0 + Duration::from_millis(i * 1000 / RATE)).into()).await;
        let (client, url) = (daemon.client.clone(), daemon.url("/voiceapi/v2/OTP"));
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("X-CM-PRODUCTTOKEN", TOKEN)
                .json(&json!({
                    "callee": format!("+3161{i:07}"),
                    "caller": "+31201234567",
                    "code": "1",
                }))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }

    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let text = daemon
            .client
            .get(daemon.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let ended: u64 = ["9", "10", "11", "12"]
            .iter()
            .map(|c| {
                text.lines()
                    .filter(|l| {
                        l.starts_with("voice_otp_calls_total{")
                            && l.contains(&format!("code=\"{c}\""))
                    })
                    .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
                    .sum::<u64>()
            })
            .sum();
        if ended >= CALLS {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "{ended} of {CALLS} calls ended:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        metric(
            &text,
            "voice_otp_calls_total{result=\"finished\",code=\"10\"}"
        ),
        CALLS,
        "{text}"
    );
    assert_eq!(metric(&text, "voice_otp_calls_active"), 0, "{text}");
    assert_eq!(metric(&text, "voice_otp_calls_queued"), 0, "{text}");
    // The burst lasted 1.5 s and every call about 0.3 s: all done well within 10 s.
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    sipp.assert_ok(Duration::from_secs(15)).await;
}
