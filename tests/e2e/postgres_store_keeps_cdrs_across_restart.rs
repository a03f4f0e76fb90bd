//! Cluster mode's store end to end: `voice-otp serve` on a throwaway PostgreSQL cluster
//! (`[store] url`) places an OTP call through SIPp; the call ends with a signed callback
//! and a CDR from `GET /v1/cdrs`; a new daemon on the same database (after SIGTERM)
//! still answers the CDR and the call. The code is in no row of the database.

use std::time::Duration;

use voice_otp_suite::e2e::*;
use voice_otp_testkit::postgres::Postgres;

/// Letters no call id, time or number of the rows can hold by chance.
const CODE: &str = "QZXJ";

/// The CDRs of `GET /v1/cdrs?instruction-id=...`.
async fn cdrs(daemon: &Daemon, instruction_id: &str) -> Vec<serde_json::Value> {
    let (status, text, cdrs) = daemon
        .get(&format!("/v1/cdrs?instruction-id={instruction_id}"))
        .await;
    assert_eq!(status, 200, "{text}");
    cdrs.as_array()
        .or_else(|| cdrs["cdrs"].as_array())
        .unwrap_or_else(|| panic!("CDR list in {text}"))
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_call_on_postgres_has_its_cdr_and_callback_across_a_restart() {
    let pg = Postgres::start();
    let url = pg.create_database("voice_otp_e2e");
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_answer_bye.xml", 1).await;
    let receiver = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config.store_url = Some(url);
    let mut daemon = Daemon::start(config.clone()).await;

    let mut body = otp_body(CODE, &receiver.url());
    body["instruction-id"] = "e2e-postgres".into();
    let call_id = daemon.otp_call(&body).await;
    sipp.assert_ok(Duration::from_secs(30)).await;
    let got = receiver.wait_for(1, Duration::from_secs(30)).await;
    assert_signed(&got[0], SECRET);
    let event = got[0].json();
    assert_eq!(event["call-id"], call_id.as_str(), "{event}");
    assert_eq!(event["result"]["code"], 10, "{event}");

    let listed = cdrs(&daemon, "e2e-postgres").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["call-id"], call_id.as_str());
    assert_eq!(listed[0]["result"]["code"], 10);
    let dump = pg.dump("voice_otp_e2e");
    assert!(dump.contains(&call_id), "the dump holds the rows");
    assert!(!dump.contains(CODE), "the code reached the database");

    daemon.sigterm();
    assert!(daemon.wait_exit(Duration::from_secs(20)).await.success());
    config.http_port = free_tcp_port();
    let restarted = Daemon::start(config).await;
    let listed = cdrs(&restarted, "e2e-postgres").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["call-id"], call_id.as_str());
    assert_eq!(listed[0]["result"]["code"], 10);
    let (status, text, call) = restarted.get(&format!("/v1/calls/{call_id}")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(call["result"]["code"], 10, "{call}");
    // The callback was delivered once, before the restart: no second delivery.
    assert_eq!(receiver.all().len(), 1);
}
