//! A `[sip] listen` address already taken makes `build_executor` fail with a typed error
//! whose one-line message names the address, and `/healthz` would report SIP down.

use std::net::UdpSocket;

use voice_otp_daemon::wiring::{BuildExecutorError, build_executor};
use voice_otp_daemon::{Config, Metrics};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taken_sip_address_is_named_in_one_line() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let mut config = Config::default();
    config.sip.listen = addr;
    let metrics = Metrics::new();
    let Err(error) = build_executor(&config, &metrics).await else {
        panic!("the SIP socket bound on a taken address");
    };
    assert!(
        matches!(error, BuildExecutorError::SipBind { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(&addr.to_string()), "{message}");
    assert!(message.starts_with("sip: "), "{message}");
    assert!(!message.contains('\n'), "{message}");
    assert_eq!(metrics.sip_ready(), Some(false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rtp_port_range_is_named() {
    let mut config = Config::default();
    config.sip.listen = "127.0.0.1:0".parse().unwrap();
    // An odd first port leaves no even RTP port for the first pair.
    config.rtp.ports.first = 30_001;
    config.rtp.ports.last = 30_000;
    let metrics = Metrics::new();
    let Err(error) = build_executor(&config, &metrics).await else {
        panic!("an empty port range was accepted");
    };
    assert!(
        matches!(error, BuildExecutorError::RtpPorts { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("30001-30000"), "{error}");
}
