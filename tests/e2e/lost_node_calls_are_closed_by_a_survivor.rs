//! Cluster mode: a node that dies (SIGKILL) with a call still ringing stops heart-beating;
//! a second node on the same PostgreSQL database records that call as Failed (11) "node
//! lost" within about 20 s (15 s of silence plus one 5 s round) and delivers its signed
//! callback. Without the survivor's liveness round the call would stay open for ever.

use std::time::Duration;

use voice_otp_suite::e2e::*;
use voice_otp_testkit::postgres::Postgres;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_survivor_closes_the_ringing_call_of_a_killed_node() {
    let pg = Postgres::start();
    let url = pg.create_database("voice_otp_lost_node");
    let dir = tempfile::tempdir().unwrap();
    // A trunk that never answers: the INVITE rings (retransmitted) until the node dies.
    let trunk = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let receiver = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), trunk.local_addr().unwrap());
    config.store_url = Some(url);
    let mut node_a = Daemon::start(config.clone()).await;
    let call_id = node_a.otp_call(&otp_body("QZXJ", &receiver.url())).await;
    // The INVITE left: the call is live on node a.
    let mut buf = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(10), trunk.recv_from(&mut buf))
        .await
        .expect("an INVITE reaches the trunk")
        .unwrap();
    node_a.sigkill().await;

    config.http_port = free_tcp_port();
    config.rtp = rtp_range();
    let node_b = Daemon::start(config).await;
    // Node b's own restart check leaves node a's call alone...
    let (status, text, call) = node_b.get(&format!("/v1/calls/{call_id}")).await;
    assert_eq!(status, 200, "{text}");
    assert!(call["result"].is_null(), "not ended yet: {call}");
    // ...until node a has been silent for 15 s.
    let got = receiver.wait_for(1, Duration::from_secs(40)).await;
    assert_signed(&got[0], SECRET);
    let event = got[0].json();
    assert_eq!(event["call-id"], call_id.as_str(), "{event}");
    assert_eq!(event["result"]["code"], 11, "{event}");
    assert_eq!(
        event["result"]["sip-disconnect-reason"], "node lost",
        "{event}"
    );
    let (status, text, call) = node_b.get(&format!("/v1/calls/{call_id}")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(call["result"]["code"], 11, "{call}");
}
