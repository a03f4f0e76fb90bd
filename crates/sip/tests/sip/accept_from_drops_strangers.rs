//! `accept_from` decides which sources get any answer: by default only the trunk's
//! addresses. Datagrams from elsewhere are not even parsed; they are dropped unanswered and
//! counted in `EndpointStats::rejected_source`.
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::timeout;
use voice_otp_sip::{EndpointConfig, NetworkList, SipEndpoint, parse_message};

fn options(via: SocketAddr, branch: &str) -> String {
    format!(
        "OPTIONS sip:otp@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {via};branch=z9hG4bK{branch}\r\n\
         From: <sip:probe@example.invalid>;tag=1\r\nTo: <sip:otp@127.0.0.1>\r\n\
         Call-ID: {branch}@probe\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    )
}

/// Sends an OPTIONS from `socket` and returns the status of the answer.
async fn probe(socket: &UdpSocket, ep: &SipEndpoint, branch: &str) -> u16 {
    let me = socket.local_addr().unwrap();
    socket
        .send_to(options(me, branch).as_bytes(), ep.local_addr())
        .await
        .unwrap();
    let mut buf = [0u8; 4096];
    let (n, _) = timeout(Duration::from_secs(5), socket.recv_from(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    parse_message(&buf[..n]).unwrap().status().unwrap()
}

async fn wait_rejected(ep: &SipEndpoint, want: u64) {
    for _ in 0..250 {
        if ep.stats().rejected_source == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("rejected_source never reached {want}: {:?}", ep.stats());
}

#[tokio::test]
async fn strangers_get_no_answer_and_are_counted() {
    let trunk = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let stranger = UdpSocket::bind("127.0.0.2:0").await.unwrap();
    let cfg = EndpointConfig::udp(
        "127.0.0.1:0".parse().unwrap(),
        trunk.local_addr().unwrap().to_string(),
    );
    let ep = SipEndpoint::start(cfg).await.unwrap();

    let me = stranger.local_addr().unwrap();
    for (i, payload) in [options(me, "s1").into_bytes(), b"not SIP".to_vec()]
        .iter()
        .enumerate()
    {
        stranger.send_to(payload, ep.local_addr()).await.unwrap();
        wait_rejected(&ep, i as u64 + 1).await;
    }
    assert_eq!(
        ep.stats().malformed,
        0,
        "a stranger's bytes are not even parsed"
    );
    // The trunk is answered; had the stranger been, its answer would have come first.
    assert_eq!(probe(&trunk, &ep, "t1").await, 200);
    let mut buf = [0u8; 64];
    assert!(
        stranger.try_recv_from(&mut buf).is_err(),
        "stranger got an answer"
    );
    ep.shutdown().await;
}

#[tokio::test]
async fn configured_networks_let_other_sources_in() {
    let trunk = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let neighbour = UdpSocket::bind("127.0.0.2:0").await.unwrap();
    let mut cfg = EndpointConfig::udp(
        "127.0.0.1:0".parse().unwrap(),
        trunk.local_addr().unwrap().to_string(),
    );
    cfg.accept_from = Some(NetworkList::parse(["127.0.0.2", "10.0.0.0/8"]).unwrap());
    let ep = SipEndpoint::start(cfg).await.unwrap();
    assert_eq!(probe(&neighbour, &ep, "n1").await, 200);
    // The list replaces the default: the trunk's own address is not in it.
    trunk
        .send_to(
            options(trunk.local_addr().unwrap(), "t1").as_bytes(),
            ep.local_addr(),
        )
        .await
        .unwrap();
    wait_rejected(&ep, 1).await;
    ep.shutdown().await;
}
