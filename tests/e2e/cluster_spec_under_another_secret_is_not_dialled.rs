//! Cluster mode: a queued call whose sealed spec does not open on the node that claims it
//! (that node has another `[cluster] secret`) is never dialled: it ends as Failed (11)
//! "call spec could not be opened", with its signed callback, and the claiming node's log
//! holds nothing of the spec.

use std::time::{Duration, Instant};

use voice_otp_suite::e2e::*;

const CODE: &str = "QZXJ";

/// The request-URI users of the INVITEs `trunk` receives within `window`.
async fn invited(trunk: &tokio::net::UdpSocket, window: Duration) -> Vec<String> {
    let mut out = Vec::new();
    let end = Instant::now() + window;
    let mut buf = [0u8; 8192];
    while let Ok(Ok((n, _))) = tokio::time::timeout_at(end.into(), trunk.recv_from(&mut buf)).await
    {
        let text = String::from_utf8_lossy(&buf[..n]);
        if let Some(rest) = text.strip_prefix("INVITE sip:") {
            out.push(rest.split('@').next().unwrap_or_default().to_owned());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spec_sealed_under_another_secret_fails_the_call_undialled() {
    let dir = tempfile::tempdir().unwrap();
    // A trunk that never answers: node a's first call rings and holds its only slot.
    let cluster = OneSlotNode::start(dir.path(), "voice_otp_other_secret").await;
    let (node_a, receiver, trunk) = (&cluster.node_a, &cluster.receiver, &cluster.trunk);
    node_a.otp_call(&otp_body("7", &receiver.url())).await;
    assert_eq!(
        invited(trunk, Duration::from_secs(3)).await.first(),
        Some(&"+31612345678".to_owned())
    );
    let mut body = otp_body(CODE, &receiver.url());
    body["callee"] = "+31687654321".into();
    let queued = node_a.otp_call(&body).await;

    // Node b, with a secret of its own, claims the queued call.
    let mut config = cluster.next_node();
    config.env.push((
        "VOICE_OTP_CLUSTER_SECRET".to_owned(),
        "another-cluster-secret-9876543210fedcba".to_owned(),
    ));
    let node_b = Daemon::start(config).await;
    let got = receiver.wait_for(1, Duration::from_secs(15)).await;
    assert_signed(&got[0], SECRET);
    let event = got[0].json();
    assert_eq!(event["call-id"], queued.as_str(), "{event}");
    assert_eq!(event["result"]["code"], 11, "{event}");
    assert_eq!(
        event["result"]["sip-disconnect-reason"], "call spec could not be opened",
        "{event}"
    );
    // Never dialled: the trunk sees only the first call's retransmissions.
    let invites = invited(trunk, Duration::from_secs(2)).await;
    assert!(
        !invites.iter().any(|u| u == "+31687654321"),
        "the unopened call was dialled: {invites:?}"
    );
    let logs = node_b.logs();
    assert!(logs.contains("cannot be opened"), "{logs}");
    assert!(!logs.contains(CODE), "the code in node b's log");
}
