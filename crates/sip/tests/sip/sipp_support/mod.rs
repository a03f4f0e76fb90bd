//! A real SIPp UAS on 127.0.0.1 (from voice-otp-testkit) for interop tests, and our
//! endpoint against it.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::mpsc::Receiver;
use voice_otp_sip::{CallRequest, EndpointConfig, MediaOffer, SipEndpoint, SipEvent, Transport};
pub use voice_otp_testkit::sipp::Sipp;
use voice_otp_testkit::sipp::{self, SippBuilder, fixture};

/// How long a test waits for SIPp to exit once its calls are done.
pub const FINISH: Duration = Duration::from_secs(40);

/// A SIPp UAS running `fixtures/sipp/<scenario_name>` (one call) over `transport`.
pub fn uas(scenario_name: &str, transport: Transport) -> SippBuilder {
    Sipp::uas(fixture(scenario_name)).transport(match transport {
        Transport::Tcp => sipp::Transport::Tcp,
        Transport::Udp => sipp::Transport::Udp,
        Transport::Tls => panic!("the SIPp interop runs use UDP or TCP; TLS has its own tests"),
    })
}

pub async fn endpoint(sipp: &Sipp, transport: Transport, user: &str, pass: &str) -> SipEndpoint {
    let mut cfg = EndpointConfig::udp("127.0.0.1:0".parse().unwrap(), sipp.addr().to_string());
    cfg.transport = transport;
    cfg.from_domain = "otp.example".into();
    cfg.username = user.into();
    cfg.password = pass.into();
    SipEndpoint::start(cfg).await.expect("endpoint starts")
}

pub fn call_request(anonymous: bool, rtp_port: u16) -> CallRequest {
    CallRequest {
        callee: "+31612345678".into(),
        caller: "+3197010".into(),
        anonymous,
        trunk: None,
        media: MediaOffer::g711(SocketAddr::from(([127, 0, 0, 1], rtp_port))),
        extra_headers: vec![],
    }
}

/// Next event, or a panic after 20 s.
pub async fn next(rx: &mut Receiver<SipEvent>) -> SipEvent {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("SIP event in time")
        .expect("event channel open")
}

/// Skips provisional events and returns the first other one.
pub async fn next_final(rx: &mut Receiver<SipEvent>) -> SipEvent {
    loop {
        match next(rx).await {
            SipEvent::Provisional { .. } => continue,
            e => return e,
        }
    }
}
