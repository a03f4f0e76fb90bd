//! `[sip] transport = "tls"` and its keys: `tls-ca`, `tls-server-name`, `tls-cert` and
//! `tls-key` are read from the file or the environment (which wins), all absent by default
//! (system roots, the trunk's host, no client certificate); a client certificate without
//! its key, or a bad transport, is one line naming the key. The example documents them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use voice_otp_daemon::Config;
use voice_otp_daemon::config::SipTransport;

use crate::common::env;

#[test]
fn tls_keys_are_read_and_absent_by_default() {
    let c = Config::from_sources(None, &BTreeMap::new()).unwrap();
    assert_eq!(c.sip.transport, SipTransport::Udp);
    assert_eq!(
        (
            &c.sip.tls_ca,
            &c.sip.tls_server_name,
            &c.sip.tls_cert,
            &c.sip.tls_key
        ),
        (&None, &None, &None, &None)
    );
    let text = "[sip]\ntransport = \"TLS\"\ntls-ca = \"/etc/ca.pem\"\n\
                tls-server-name = \"sip.trunk.example\"\n\
                tls-cert = \"/etc/me.pem\"\ntls-key = \"/etc/me.key\"\n";
    let c = Config::from_sources(Some(text), &BTreeMap::new()).unwrap();
    assert_eq!(c.sip.transport, SipTransport::Tls);
    assert_eq!(c.sip.tls_ca, Some(PathBuf::from("/etc/ca.pem")));
    assert_eq!(c.sip.tls_server_name.as_deref(), Some("sip.trunk.example"));
    assert_eq!(c.sip.tls_cert, Some(PathBuf::from("/etc/me.pem")));
    assert_eq!(c.sip.tls_key, Some(PathBuf::from("/etc/me.key")));
    let c = Config::from_sources(
        Some(text),
        &env(&[
            ("VOICE_OTP_SIP_TLS_CA", "/run/other-ca.pem"),
            ("VOICE_OTP_SIP_TRANSPORT", "tcp"),
        ]),
    )
    .unwrap();
    assert_eq!(c.sip.tls_ca, Some(PathBuf::from("/run/other-ca.pem")));
    assert_eq!(c.sip.transport, SipTransport::Tcp);
}

#[test]
fn half_a_client_certificate_or_a_bad_value_is_one_line_naming_the_key() {
    for (text, key) in [
        ("[sip]\ntls-cert = \"/etc/me.pem\"", "[sip] tls-cert"),
        ("[sip]\ntls-key = \"/etc/me.key\"", "[sip] tls-cert"),
        ("[sip]\ntransport = \"sctp\"", "[sip] transport"),
        ("[sip]\ntls-ca = \"\"", "[sip] tls-ca"),
        ("[sip]\ntls-server-name = 7", "[sip] tls-server-name"),
    ] {
        let err = Config::from_sources(Some(text), &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{text}: {err}");
        assert!(!err.contains('\n'), "not one line: {err}");
    }
    let err = Config::from_sources(Some("[sip]\ntransport = \"sctp\""), &BTreeMap::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"tls\""), "{err}");
}

#[test]
fn the_example_file_documents_every_tls_key() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../voice-otp.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    for key in ["tls-ca", "tls-server-name", "tls-cert", "tls-key"] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("# {key} = "))),
            "the example documents {key}"
        );
    }
    assert!(text.contains("\"udp\", \"tcp\" or \"tls\""));
}
