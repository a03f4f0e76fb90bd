//! Two `voice-otp serve` nodes on one PostgreSQL database share a trunk's `max-cps`: one
//! SIPp trunk with `max-cps = 5` in both nodes' `[[trunks]]`, 30 OTP instructions posted at
//! once, alternating between the nodes. The INVITE arrival times SIPp logged never hold
//! more than 5 in any one-second window, and every call finishes as 10. With each node
//! keeping its own budget (`LocalBudget`), the two nodes together send up to 10 a second
//! and the window check fails.

use std::sync::Arc;

use serde_json::json;
use voice_otp_suite::e2e::*;
use voice_otp_testkit::postgres::Postgres;

use crate::trunk_max_cps_is_never_exceeded::assert_all_10_within_max_cps;

const CALLS: usize = 30;
const MAX_CPS: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_never_exceed_the_trunk_max_cps() {
    let pg = Postgres::start();
    let url = pg.create_database("voice_otp_trunk_budget");
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_answer_bye.xml", CALLS as u32).await;
    let receiver = Receiver::start(&[]).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config.store_url = Some(url);
    config.trunks = Some(format!(
        "[[trunks]]\nname = \"only\"\naddress = \"{}\"\nmax-cps = {MAX_CPS}\n",
        sipp.addr()
    ));
    config.rtp = rtp_range_sized(128);
    let node_a = Daemon::start(config.clone()).await;
    config.http_port = free_tcp_port();
    config.rtp = rtp_range_sized(128);
    let node_b = Daemon::start(config).await;

    let nodes = [Arc::new(node_a), Arc::new(node_b)];
    let mut posts = tokio::task::JoinSet::new();
    for i in 0..CALLS {
        let node = Arc::clone(&nodes[i % 2]);
        let mut body = otp_body("7", &receiver.url());
        body["callee"] = json!(format!("+3161234{i:04}"));
        posts.spawn(async move { node.otp(&body).await });
    }
    for (status, text, _) in posts.join_all().await {
        assert_eq!(status, 200, "{text}");
    }
    assert_all_10_within_max_cps(&receiver, &mut sipp, CALLS, MAX_CPS).await;
}
