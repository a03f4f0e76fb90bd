//! Attack: a man in the middle (here a real Kamailio with its own certificate) answers the
//! daemon's TLS connection to the trunk with a certificate that does not chain to the CA
//! the daemon trusts (`[sip] tls-ca`). The call fails as 11 with a reason that says the
//! certificate is not trusted, and it is not sent another way: Kamailio never sees an
//! INVITE, not over TLS and not in clear.
//!
//! Without the defence (no certificate verification, or a fallback to UDP/TCP) the INVITE
//! would reach Kamailio and the callback would say something else.

use std::time::Duration;

use voice_otp_suite::e2e::*;
use voice_otp_testkit::kamailio::Kamailio;
use voice_otp_testkit::tls_certs::TestPki;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trunk_certificate_from_another_ca_fails_the_call_as_11() {
    let dir = tempfile::tempdir().unwrap();
    let kam_dir = dir.path().join("kamailio");
    std::fs::create_dir_all(&kam_dir).unwrap();
    let impostor = TestPki::generate(dir.path(), "impostor");
    let trusted = TestPki::generate_ca(dir.path(), "trusted");
    // Nothing listens at the phone's address: no call must get that far anyway.
    let phone = std::net::SocketAddr::from(([127, 0, 0, 1], free_udp_port()));
    let kamailio = Kamailio::builder("user", "pw")
        .forward_to(phone)
        .tls(&impostor)
        .start(&kam_dir)
        .await;

    let mut config = DaemonConfig::new(dir.path(), kamailio.tls_addr());
    config.env = vec![
        ("VOICE_OTP_SIP_TRANSPORT".into(), "tls".into()),
        (
            "VOICE_OTP_SIP_TLS_CA".into(),
            trusted.ca_cert.display().to_string(),
        ),
    ];
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(config).await;
    daemon.otp_call(&otp_body("5173", &receiver.url())).await;

    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    let event = got[0].json();
    let context = || format!("{event}\n{}\n{}", kamailio.log(), daemon.logs());
    assert_eq!(event["result"]["code"], 11, "{}", context());
    let reason = event["result"]["sip-disconnect-reason"]
        .as_str()
        .unwrap_or_default();
    assert!(
        reason.starts_with("TLS certificate not trusted: "),
        "reason {reason:?}:\n{}",
        context()
    );
    assert!(event["answered-on"].is_null(), "{}", context());
    assert!(
        !kamailio.log().contains("voice-otp-test: INVITE"),
        "an INVITE reached the untrusted trunk:\n{}",
        context()
    );
    assert_signed(&got[0], SECRET);
}
