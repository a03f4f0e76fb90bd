//! The tokio driver on real loopback sockets: a bad press list is refused before anything
//! is bound, and an INVITE built by the project's user agent with no G.711 gets its 488
//! over UDP before `Phone::run` returns `NoCommonCodec`.

use std::time::Duration;

use tokio::net::UdpSocket;
use voice_otp_phone::{Phone, PhoneConfig, PhoneError};
use voice_otp_sip::{Codec, MediaOffer, build_invite, parse_message};

use crate::common::{call_to_phone, caller_config};

const BOUND: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_bad_key_is_refused_at_bind() {
    let config = PhoneConfig {
        press: "12#x".into(),
        ..PhoneConfig::default()
    };
    let err = Phone::bind(config).await.unwrap_err();
    assert!(matches!(err, PhoneError::BadKey('x')));
    assert!(err.to_string().contains("'x' is not a DTMF key"), "{err}");
}

#[tokio::test]
async fn opus_only_invite_gets_488_over_udp() {
    let phone = Phone::bind(PhoneConfig::default()).await.unwrap();
    let phone_sip = phone.sip_addr().unwrap();
    let run = tokio::spawn(phone.run());

    let caller = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut config = caller_config(phone_sip);
    config.local_addr = caller.local_addr().unwrap();
    let media = MediaOffer {
        codecs: vec![Codec::Opus],
        ..MediaOffer::g711("127.0.0.1:30000".parse().unwrap())
    };
    let invite = build_invite(&config, call_to_phone(media));
    caller.send_to(&invite, phone_sip).await.unwrap();

    let mut buf = vec![0u8; 65_535];
    let (n, from) = tokio::time::timeout(BOUND, caller.recv_from(&mut buf))
        .await
        .expect("the phone answers")
        .unwrap();
    assert_eq!(from, phone_sip);
    assert_eq!(parse_message(&buf[..n]).unwrap().status(), Some(488));
    let outcome = tokio::time::timeout(BOUND, run).await.expect("run returns");
    assert!(matches!(outcome.unwrap(), Err(PhoneError::NoCommonCodec)));
}
