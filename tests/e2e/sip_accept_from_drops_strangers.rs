//! Attack: a stranger on another loopback address (127.0.0.3) sends SIP to the daemon's SIP
//! port. With `[sip] accept-from` at its default (the trunk's addresses) the stranger gets
//! no answer at all, `voice_otp_sip_rejected_source_total` counts it, and the trunk's own
//! request sent right after is answered.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use voice_otp_suite::e2e::*;

fn options(via: SocketAddr, branch: &str) -> String {
    format!(
        "OPTIONS sip:otp@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {via};branch=z9hG4bK{branch}\r\n\
         From: <sip:probe@example.invalid>;tag=1\r\nTo: <sip:otp@127.0.0.1>\r\n\
         Call-ID: {branch}@probe\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    )
}

async fn rejected_total(daemon: &Daemon) -> u64 {
    let (status, text, _) = daemon.get("/metrics").await;
    assert_eq!(status, 200, "{text}");
    text.lines()
        .find_map(|l| l.strip_prefix("voice_otp_sip_rejected_source_total "))
        .unwrap_or_else(|| panic!("no voice_otp_sip_rejected_source_total in {text}"))
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stranger_gets_no_answer_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    // The trunk is a plain socket: it only has to be the address accept-from defaults to.
    let trunk = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sip: SocketAddr = format!("127.0.0.1:{}", free_udp_port()).parse().unwrap();
    let mut config = DaemonConfig::new(dir.path(), trunk.local_addr().unwrap());
    config
        .env
        .push(("VOICE_OTP_SIP_LISTEN".into(), sip.to_string()));
    let daemon = Daemon::start(config).await;
    assert_eq!(rejected_total(&daemon).await, 0);

    let stranger = UdpSocket::bind("127.0.0.3:0").unwrap();
    let me = stranger.local_addr().unwrap();
    stranger.send_to(options(me, "s1").as_bytes(), sip).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while rejected_total(&daemon).await < 1 {
        assert!(
            Instant::now() < deadline,
            "stranger's datagram never counted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The trunk's OPTIONS is answered; the stranger's, read first, would have been too.
    let t = trunk.local_addr().unwrap();
    trunk.send_to(options(t, "t1").as_bytes(), sip).unwrap();
    trunk
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 4096];
    let (n, from) = trunk.recv_from(&mut buf).expect("the trunk is answered");
    assert_eq!(from, sip);
    assert!(buf[..n].starts_with(b"SIP/2.0 200"), "{:?}", &buf[..n]);
    stranger.set_nonblocking(true).unwrap();
    assert!(
        stranger.recv_from(&mut buf).is_err(),
        "the stranger got an answer"
    );
    assert_eq!(rejected_total(&daemon).await, 1);
}
