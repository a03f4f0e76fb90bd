//! A token holder must not be able to aim the daemon's callback POST inside the operator's
//! network (issue 12, item 5). With `[callbacks] allow-private-networks = false` (the
//! default; the harness turns it on for its loopback receivers):
//!
//! - a `callback-url` whose literal host is loopback, private, link-local, CGNAT,
//!   unspecified or multicast, in any spelling the URL parser accepts, is a 400 naming
//!   `callback-url`, and nothing is dialled or stored;
//! - a host name is judged on what it resolves to at delivery: `localhost` is accepted, the
//!   call is placed, but the event is never POSTed and the outbox says "address not
//!   allowed";
//! - with the setting on, the same `localhost` receiver gets the event (the control).

use std::time::Duration;

use serde_json::json;
use voice_otp_suite::e2e::*;

fn closed(dir: &std::path::Path, trunk: std::net::SocketAddr) -> DaemonConfig {
    let mut config = DaemonConfig::new(dir, trunk);
    config.env.push((
        "VOICE_OTP_CALLBACKS_ALLOW_PRIVATE_NETWORKS".to_owned(),
        "false".to_owned(),
    ));
    config
}

/// The outbox's `last_status` of the call's delivery, once it has one.
async fn outbox_status(config: &DaemonConfig, call_id: &str) -> String {
    let db = rusqlite::Connection::open(config.db()).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    for _ in 0..500 {
        let status: Option<String> = db
            .query_row(
                "SELECT last_status FROM outbox WHERE call_id = ?1",
                [call_id],
                |r| r.get(0),
            )
            .unwrap_or(None);
        if let Some(status) = status {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    panic!("no delivery attempt recorded for {call_id}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn literal_internal_hosts_are_400_naming_callback_url() {
    let dir = tempfile::tempdir().unwrap();
    // No call may reach the trunk: nothing listens there.
    let trunk = format!("127.0.0.1:{}", free_udp_port()).parse().unwrap();
    let daemon = Daemon::start(closed(dir.path(), trunk)).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost.:8080@127.0.0.2/hook",
        "http://0x7f.1/hook",
        "http://2130706433/hook",
        "http://10.0.0.5/hook",
        "http://172.16.3.4/hook",
        "https://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/hook",
        "http://0.0.0.0:9000/hook",
        "http://224.0.0.251/hook",
        "http://[::1]:8080/hook",
        "http://[fd12:3456::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
        "http://[::]/hook",
    ] {
        let (status, text, body) = daemon.otp(&otp_body("4829", url)).await;
        assert_eq!(status, 400, "{url}: {text}");
        assert_eq!(body["errors"][0]["field"], "callback-url", "{url}: {text}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("allow-private-networks"),
            "{url}: {text}"
        );
    }
    let (status, text, cdrs) = daemon.get("/v1/cdrs").await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(cdrs, json!([]), "nothing was stored");
    assert_eq!(
        daemon.config.stored_calls(),
        0,
        "no call was stored or dialled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_resolving_to_loopback_is_not_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_busy_486.xml", 1).await;
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(closed(dir.path(), sipp.addr())).await;

    let url = format!("http://localhost:{}/hooks/voice", receiver.addr.port());
    let call_id = daemon.otp_call(&otp_body("4829", &url)).await;
    sipp.assert_ok(Duration::from_secs(20)).await;
    assert_eq!(
        outbox_status(&daemon.config, &call_id).await,
        "address not allowed"
    );
    // Refused once and given up: no retry probes the name again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(receiver.all().is_empty(), "the event reached loopback");
    let db = rusqlite::Connection::open(daemon.config.db()).unwrap();
    let (attempts, gave_up): (i64, i64) = db
        .query_row(
            "SELECT attempts, gave_up FROM outbox WHERE call_id = ?1",
            [&call_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((attempts, gave_up), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_private_networks_delivers_to_the_same_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_busy_486.xml", 1).await;
    let receiver = Receiver::start(&[]).await;
    // The harness sets allow-private-networks = true.
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), sipp.addr())).await;

    let url = format!("http://localhost:{}/hooks/voice", receiver.addr.port());
    let call_id = daemon.otp_call(&otp_body("4829", &url)).await;
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(got[0].json()["call-id"], call_id.as_str());
    assert_signed(&got[0], SECRET);
    sipp.assert_ok(Duration::from_secs(10)).await;
}
