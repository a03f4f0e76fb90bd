//! The tokio endpoint over a real socket: OPTIONS keepalive feeds `trunk_reachable`, garbage
//! feeds `malformed`. The "trunk" is a plain UDP socket in the test.
use std::time::Duration;
use tokio::net::UdpSocket;
use voice_otp_sip::{EndpointConfig, SipEndpoint, parse_message};

#[tokio::test]
async fn keepalive_and_malformed_counters() {
    let trunk = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut cfg = EndpointConfig::udp(
        "127.0.0.1:0".parse().unwrap(),
        trunk.local_addr().unwrap().to_string(),
    );
    cfg.keepalive = Some(Duration::from_secs(60));
    let ep = SipEndpoint::start(cfg).await.unwrap();
    assert_eq!(ep.stats().trunk_reachable, None);

    let mut buf = [0u8; 4096];
    let (n, from) = tokio::time::timeout(Duration::from_secs(5), trunk.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(from, ep.local_addr());
    let req = parse_message(&buf[..n]).unwrap();
    assert_eq!(req.method(), Some("OPTIONS"));
    let mut resp = String::from("SIP/2.0 200 OK\r\n");
    for h in ["Via", "From", "To", "Call-ID", "CSeq"] {
        resp.push_str(&format!("{h}: {}\r\n", req.header(h).unwrap()));
    }
    resp.push_str("Content-Length: 0\r\n\r\n");
    trunk.send_to(resp.as_bytes(), from).await.unwrap();
    trunk.send_to(b"certainly not SIP", from).await.unwrap();

    for _ in 0..100 {
        let s = ep.stats();
        if s.trunk_reachable == Some(true) && s.malformed == 1 {
            ep.shutdown().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("stats not updated: {:?}", ep.stats());
}

#[tokio::test]
async fn trunk_by_name_and_shared_shutdown() {
    let cfg = EndpointConfig::udp("127.0.0.1:0".parse().unwrap(), "localhost:5999");
    let ep = std::sync::Arc::new(SipEndpoint::start(cfg).await.unwrap());
    assert!(ep.trunk_addr().ip().is_loopback());
    assert_eq!(ep.trunk_addr().port(), 5999);
    assert!(ep.local_addr().ip().is_loopback());
    ep.shutdown().await;
    ep.shutdown().await;
    let req = voice_otp_sip::CallRequest {
        callee: "1".into(),
        caller: "2".into(),
        anonymous: false,
        trunk: None,
        media: voice_otp_sip::MediaOffer::g711("127.0.0.1:4000".parse().unwrap()),
        extra_headers: vec![],
    };
    assert!(matches!(
        ep.dial(req).await,
        Err(voice_otp_sip::SipError::Shutdown)
    ));
    let bad = EndpointConfig::udp("127.0.0.1:0".parse().unwrap(), "trunk:notaport");
    assert!(matches!(
        SipEndpoint::start(bad).await,
        Err(voice_otp_sip::SipError::Resolve(_))
    ));
}
