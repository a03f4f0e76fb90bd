//! `[guard]` decides where calls may go (issue 12, item 2), so a leaked token cannot dial
//! premium-rate numbers or countries the operator never serves. Against the real daemon:
//!
//! - by default premium-rate numbers (`+449012345678`, `+19002345678`, both valid in
//!   libphonenumber) are a 400 naming the callee and `denied-number-types`, and nothing is
//!   stored or dialled;
//! - `allowed-countries` and `denied-prefixes` refuse the same way, naming their rule;
//! - with `disable-callees-validation` a refused callee is a `call-skipped` result giving
//!   the rule, and only the allowed callee is dialled (SIPp sees exactly one INVITE).

use std::time::Duration;

use serde_json::json;
use voice_otp_suite::e2e::*;

fn with_env(mut config: DaemonConfig, pairs: &[(&str, &str)]) -> DaemonConfig {
    for (k, v) in pairs {
        config.env.push(((*k).to_owned(), (*v).to_owned()));
    }
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn premium_foreign_and_denied_prefix_callees_are_400_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens at the trunk: no call may be placed.
    let trunk = format!("127.0.0.1:{}", free_udp_port()).parse().unwrap();
    let config = with_env(
        DaemonConfig::new(dir.path(), trunk),
        &[
            ("VOICE_OTP_GUARD_ALLOWED_COUNTRIES", "NL,US,GB"),
            ("VOICE_OTP_GUARD_DENIED_PREFIXES", "+3197"),
        ],
    );
    let daemon = Daemon::start(config).await;
    for (callee, rule) in [
        ("+449012345678", "denied-number-types"),
        ("+19002345678", "denied-number-types"),
        ("+4915123456789", "allowed-countries"),
        ("+3197012345678", "denied-prefixes"),
    ] {
        let mut body = otp_body("4829", "");
        body["callee"] = json!(callee);
        let (status, text, resp) = daemon.otp(&body).await;
        assert_eq!(status, 400, "{callee}: {text}");
        assert_eq!(resp["errors"][0]["field"], "callee", "{text}");
        let message = resp["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains(callee) && message.contains(rule),
            "{callee}: {text}"
        );
    }
    // In a list the field says which entry.
    let mut body = otp_body("4829", "");
    body.as_object_mut().unwrap().remove("callee");
    body["callees"] = json!(["+31612345678", "+449012345678"]);
    let (status, text, resp) = daemon.otp(&body).await;
    assert_eq!(status, 400, "{text}");
    assert_eq!(resp["errors"][0]["field"], "callees[1]", "{text}");
    assert_eq!(
        daemon.config.stored_calls(),
        0,
        "a refused request stores nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_disable_callees_validation_a_refused_callee_is_skipped_with_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_busy_486.xml", 1).await;
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), sipp.addr())).await;

    let mut body = otp_body("4829", &receiver.url());
    body.as_object_mut().unwrap().remove("callee");
    body["callees"] = json!(["+449012345678", "+31612345678"]);
    body["disable-callees-validation"] = json!(true);
    let (status, text, resp) = daemon.otp(&body).await;
    assert_eq!(status, 200, "{text}");
    let results = resp.as_array().unwrap();
    assert_eq!(results.len(), 2, "{text}");
    let queued: Vec<_> = results
        .iter()
        .filter(|r| r["type"] == "call-queued")
        .collect();
    let skipped: Vec<_> = results
        .iter()
        .filter(|r| r["type"] == "call-skipped")
        .collect();
    assert_eq!(queued.len(), 1, "{text}");
    assert_eq!(queued[0]["callee"], "+31612345678");
    assert_eq!(skipped.len(), 1, "{text}");
    assert_eq!(skipped[0]["callee"], "+449012345678");
    let reason = skipped[0]["message"].as_str().unwrap();
    assert!(
        reason.contains("premium-rate") && reason.contains("denied-number-types"),
        "{text}"
    );
    // Only the allowed callee is dialled: SIPp (one call) sees it, and its event arrives.
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(got[0].json()["callee"], "+31612345678");
    sipp.assert_ok(Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.all().len(), 1);
    assert_eq!(daemon.config.stored_calls(), 1);
}
