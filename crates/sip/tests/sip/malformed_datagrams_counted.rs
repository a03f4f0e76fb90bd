//! Garbage on the SIP socket is counted and dropped; calls in progress are unaffected.
use std::time::Instant;
use voice_otp_sip::{SipError, parse_message};

#[test]
fn garbage_is_rejected_with_an_error() {
    let cases: &[&[u8]] = &[
        b"",
        b"\r\n\r\n",
        b"hello world",
        b"SIP/2.0 999 Nope\r\nVia: x\r\n\r\n",
        b"INVITE sip:a@b SIP/3.0\r\n\r\n",
        b"INVITE  SIP/2.0\r\n\r\n",
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n", // missing headers
        b"SIP/2.0 200 OK\r\nVia: v\r\nFrom: f\r\nTo: t\r\nCall-ID: c\r\nCSeq: x INVITE\r\n\r\n",
        b"SIP/2.0 200 OK\r\nVia: v\r\nFrom: f\r\nTo: t\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 99\r\n\r\nshort",
        b"SIP/2.0 200 OK\r\nNoColonHere\r\n\r\n",
        b"\xff\xfe\xfd\r\n\r\n",
        b" folded: first\r\n\r\n",
    ];
    for c in cases {
        let r = parse_message(c);
        assert!(r.is_err(), "{:?} parsed: {r:?}", String::from_utf8_lossy(c));
    }
    assert!(matches!(
        parse_message(&vec![b'a'; 70_000]),
        Err(SipError::Malformed(_))
    ));
}

#[test]
fn user_agent_counts_and_survives() {
    let mut ua = voice_otp_sip::UserAgent::new(voice_otp_sip::UaConfig {
        local_addr: "127.0.0.1:5070".parse().unwrap(),
        transport: voice_otp_sip::Transport::Udp,
        from_domain: "x".into(),
        user_agent: "x".into(),
        username: String::new(),
        password: String::new(),
        trunk: None,
        keepalive: None,
        seed: 1,
        timers: Default::default(),
    });
    let now = Instant::now();
    let from = "127.0.0.1:5060".parse().unwrap();
    ua.handle_datagram(now, from, b"junk");
    ua.handle_datagram(now, from, b"SIP/2.0 200\r\n\r\n");
    ua.handle_datagram(now, from, b"\r\n\r\n"); // a keepalive, not garbage
    assert_eq!(ua.malformed_count(), 2);
    assert!(ua.poll_transmit().is_none());
    assert!(ua.poll_event().is_none());
}
