//! The shipped HTTP balancer of a cluster, `deploy/cluster/haproxy.cfg`, run unchanged by a
//! real HAProxy (the test's addresses in its environment) in front of two daemons.
//!
//! Instructions posted to the balancer reach both nodes (round robin) and their calls are
//! placed. After one node is killed with SIGKILL, every instruction posted to the balancer
//! still gets its 200 and its call, from the survivor: a connection refused by the dead
//! node is retried on the other (`retry-on conn-failure`, `redispatch`), and the health
//! check (`GET /healthz`) takes the dead node out of the rotation.

use std::path::Path;
use std::time::{Duration, Instant};

use voice_otp_suite::e2e::*;
use voice_otp_suite::repo_root;
use voice_otp_testkit::haproxy::Haproxy;

/// Calls posted while both nodes run, and again after one is killed.
const BATCH: usize = 4;

async fn node(dir: &Path, name: &str, trunk: std::net::SocketAddr) -> Daemon {
    let dir = dir.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    Daemon::start(DaemonConfig::new(&dir, trunk)).await
}

fn accepted(daemon: &Daemon) -> i64 {
    daemon.config.stored_calls()
}

/// Posts `n` OTP instructions to the balancer; each must be accepted.
async fn post_batch(
    client: &reqwest::Client,
    balancer: &str,
    callback: &str,
    first: usize,
    n: usize,
) {
    for i in first..first + n {
        let mut body = otp_body("4829", callback);
        body["callee"] = format!("+316100000{i:02}").into();
        let response = client
            .post(format!("{balancer}/voiceapi/v2/OTP"))
            .header("X-CM-PRODUCTTOKEN", TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert_eq!(status, 200, "{}", response.text().await.unwrap_or_default());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_balancer_spreads_instructions_and_survives_a_sigkilled_node() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "uas_answer_bye.xml", (2 * BATCH) as u32).await;
    let receiver = Receiver::start(&[]).await;
    let mut one = node(dir.path(), "node1", sipp.addr()).await;
    let two = node(dir.path(), "node2", sipp.addr()).await;
    let (n1, n2) = (one.config.http_port, two.config.http_port);
    let lb_dir = dir.path().join("haproxy");
    std::fs::create_dir_all(&lb_dir).unwrap();
    let lb = Haproxy::start(
        &repo_root().join("deploy/cluster/haproxy.cfg"),
        |bind| {
            vec![
                format!("API_BIND={bind}"),
                format!("NODE1=127.0.0.1:{n1}"),
                format!("NODE2=127.0.0.1:{n2}"),
            ]
        },
        &lb_dir,
    )
    .await;
    let balancer = format!("http://{}", lb.addr());
    let client = reqwest::Client::new();

    post_batch(&client, &balancer, &receiver.url(), 0, BATCH).await;
    receiver.wait_for(BATCH, Duration::from_secs(30)).await;
    assert!(
        accepted(&one) >= 1 && accepted(&two) >= 1,
        "round robin reached both nodes: {} and {}\n{}",
        accepted(&one),
        accepted(&two),
        lb.log()
    );
    assert_eq!(accepted(&one) + accepted(&two), BATCH as i64);

    let one_before = accepted(&one);
    one.sigkill().await;
    post_batch(&client, &balancer, &receiver.url(), BATCH, BATCH).await;
    let got = receiver.wait_for(2 * BATCH, Duration::from_secs(30)).await;
    for event in got.iter().map(|r| r.json()) {
        assert_eq!(event["result"]["code"], 10, "{event}");
    }
    assert_eq!(accepted(&one), one_before, "the dead node took nothing");
    assert_eq!(accepted(&two) as usize, 2 * BATCH - one_before as usize);
    sipp.assert_ok(Duration::from_secs(20)).await;

    // The health check has taken the dead node out of the rotation.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !lb.log().contains("node1 is DOWN") {
        assert!(Instant::now() < deadline, "{}", lb.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
