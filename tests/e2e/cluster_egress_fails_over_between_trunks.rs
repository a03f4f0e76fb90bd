//! The shipped SIP egress of a cluster, `deploy/cluster/kamailio-egress.cfg`, run unchanged
//! by a real Kamailio (the test's addresses go in as `-A` defines), between a daemon and two
//! SIPp trunks.
//!
//! - Trunk A (the higher priority in `dispatcher.list`) answers every INVITE with 503: the
//!   egress takes it out of rotation and fails the call over to trunk B, which answers.
//!   Every call finishes as 10, SIPp B runs every call to its end (ACK and BYE reach it
//!   through the egress's record-route), and A saw at least the first INVITE.
//! - Attack: an INVITE from an address outside `NODES_NET` gets 403 and never reaches a
//!   trunk (nobody but the nodes may spend the trunks' minutes); the same INVITE from a
//!   node's address is relayed.

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use voice_otp_suite::e2e::*;
use voice_otp_suite::repo_root;
use voice_otp_testkit::kamailio::{Kamailio, run_config};

const CALLS: u32 = 6;

fn egress_cfg() -> PathBuf {
    repo_root().join("deploy/cluster/kamailio-egress.cfg")
}

/// Starts the shipped egress with trunks `a` (priority 10) and `b` (priority 5), taking new
/// calls only from `nodes`.
async fn egress(dir: &Path, a: SocketAddr, b: SocketAddr, nodes: &str) -> Kamailio {
    let list = dir.join("dispatcher.list");
    std::fs::write(
        &list,
        format!("1 sip:{a} 0 10 name=a\n1 sip:{b} 0 5 name=b\n"),
    )
    .unwrap();
    let run = dir.join("egress");
    std::fs::create_dir_all(&run).unwrap();
    run_config(
        &egress_cfg(),
        |udp| {
            vec![
                format!("EGRESS_LISTEN=udp:{udp}"),
                format!("NODES_NET={nodes}"),
                format!("DISPATCHER_LIST=\"{}\"", list.display()),
            ]
        },
        &run,
    )
    .await
}

async fn trunk(dir: &Path, name: &str, scenario_file: &str, calls: u32) -> Sipp {
    let dir = dir.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    sipp_trunk(&dir, scenario_file, calls).await
}

fn invites(sipp: &Sipp) -> usize {
    sipp.messages().matches("INVITE sip:").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_trunk_is_failed_over_and_every_call_finishes_through_b() {
    let dir = tempfile::tempdir().unwrap();
    // A answers as many INVITEs as reach it; the test never waits for it to finish.
    let a = trunk(dir.path(), "a", "uas_unavailable_503.xml", 1000).await;
    let mut b = trunk(dir.path(), "b", "uas_answer_bye_record_route.xml", CALLS).await;
    let egress = egress(dir.path(), a.addr(), b.addr(), "127.0.0.1/32").await;
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), egress.udp_addr())).await;

    let mut ids = Vec::new();
    for i in 0..CALLS {
        let mut body = otp_body("4829", &receiver.url());
        body["callee"] = format!("+3161000000{i}").into();
        ids.push(daemon.otp_call(&body).await);
    }
    let got = receiver
        .wait_for(CALLS as usize, Duration::from_secs(60))
        .await;
    for event in got.iter().map(|r| r.json()) {
        assert!(
            ids.iter().any(|id| event["call-id"] == id.as_str()),
            "{event}"
        );
        assert_eq!(event["result"]["code"], 10, "{event}\n{}", egress.log());
    }
    b.assert_ok(Duration::from_secs(20)).await;
    assert!(invites(&a) >= 1, "trunk A never tried:\n{}", egress.log());
    assert_eq!(invites(&b), CALLS as usize, "{}", b.messages());
    assert!(
        egress
            .log()
            .contains(&format!("failing over to trunk sip:{}", b.addr())),
        "{}",
        egress.log()
    );
}

fn invite(from: SocketAddr, branch: &str) -> String {
    format!(
        "INVITE sip:+31610000000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {from};branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:+31201234567@127.0.0.1>;tag={branch}\r\n\
         To: <sip:+31610000000@127.0.0.1>\r\nCall-ID: {branch}@stranger\r\nCSeq: 1 INVITE\r\n\
         Contact: <sip:{from}>\r\nContent-Length: 0\r\n\r\n"
    )
}

/// The first response status the egress sends back to `socket` for an INVITE.
fn first_status(socket: &UdpSocket, egress: SocketAddr, branch: &str) -> String {
    let me = socket.local_addr().unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    socket
        .send_to(invite(me, branch).as_bytes(), egress)
        .unwrap();
    let mut buf = [0u8; 4096];
    let (n, _) = socket.recv_from(&mut buf).expect("the egress answers");
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    text.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_nodes_may_start_calls_through_the_egress() {
    let dir = tempfile::tempdir().unwrap();
    let a = trunk(dir.path(), "a", "uas_busy_486.xml", 1000).await;
    let b = trunk(dir.path(), "b", "uas_busy_486.xml", 1000).await;
    // The nodes are 127.0.0.2; the stranger is 127.0.0.1.
    let egress = egress(dir.path(), a.addr(), b.addr(), "127.0.0.2/32").await;

    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    let status = first_status(&stranger, egress.udp_addr(), "stranger1");
    assert!(status.starts_with("SIP/2.0 403"), "{status}");

    // A node's INVITE is relayed: the trunk (A, the first by priority) sees it.
    let node = UdpSocket::bind("127.0.0.2:0").unwrap();
    let status = first_status(&node, egress.udp_addr(), "node1");
    assert!(!status.starts_with("SIP/2.0 403"), "{status}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while invites(&a) < 1 {
        assert!(Instant::now() < deadline, "{}", egress.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // ... and only that one: the stranger's never reached a trunk.
    assert_eq!(invites(&a) + invites(&b), 1, "{}", a.messages());
}
