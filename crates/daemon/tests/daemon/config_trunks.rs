//! `[[trunks]]` as the configuration reads them: each entry's keys and defaults, `[sip]
//! trunk` as a group of one named `default`, and one-line errors naming the key for bad
//! values, unknown keys, duplicate names and a `[sip]` trunk next to `[[trunks]]`.

use std::collections::BTreeMap;

use voice_otp_daemon::config::SipTransport;
use voice_otp_daemon::{Config, ConfigError};

use crate::common::env;

const TWO_TRUNKS: &str = r#"
    [[trunks]]
    name = "carrier-a"
    address = "127.0.0.1:5071"
    max-cps = 5
    max-concurrent = 20
    priority = 1
    weight = 3
    [[trunks]]
    name = "carrier-b"
    address = "sip.example.net:5061"
    transport = "tls"
    username = "acct"
    password = "hunter2-but-longer"
    tls-server-name = "sip.example.net"
    priority = 2
"#;

#[test]
fn trunks_entries_are_read_with_their_defaults() {
    let c = Config::from_sources(Some(TWO_TRUNKS), &BTreeMap::new()).unwrap();
    let group = c.trunk_group();
    assert_eq!(group.len(), 2);
    let (a, b) = (&group[0], &group[1]);
    assert_eq!(
        (a.name.as_str(), a.address.as_str()),
        ("carrier-a", "127.0.0.1:5071")
    );
    assert_eq!(a.transport, SipTransport::Udp);
    assert_eq!((a.max_cps, a.max_concurrent), (Some(5), Some(20)));
    assert_eq!((a.priority, a.weight), (1, 3));
    assert_eq!(b.transport, SipTransport::Tls);
    assert_eq!(
        (b.username.as_str(), b.password.as_str()),
        ("acct", "hunter2-but-longer")
    );
    assert_eq!(b.tls_server_name.as_deref(), Some("sip.example.net"));
    // Absent budget keys mean no limit; weight defaults to 1.
    assert_eq!((b.max_cps, b.max_concurrent, b.weight), (None, None, 1));
}

#[test]
fn sip_trunk_alone_is_a_group_of_one_named_default_without_budget() {
    let toml = "[sip]\ntrunk = \"10.0.0.9:5080\"\ntransport = \"tcp\"\nusername = \"u\"\n";
    let c = Config::from_sources(Some(toml), &BTreeMap::new()).unwrap();
    let group = c.trunk_group();
    assert_eq!(group.len(), 1);
    let t = &group[0];
    assert_eq!(
        (t.name.as_str(), t.address.as_str()),
        ("default", "10.0.0.9:5080")
    );
    assert_eq!((t.transport, t.username.as_str()), (SipTransport::Tcp, "u"));
    assert_eq!(
        (t.max_cps, t.max_concurrent, t.priority, t.weight),
        (None, None, 0, 1)
    );
    // With no config at all it is the spec's loopback trunk.
    let c = Config::from_sources(None, &BTreeMap::new()).unwrap();
    assert_eq!(c.trunk_group()[0].address, "127.0.0.1:5070");
}

#[test]
fn sip_trunk_next_to_trunks_is_refused() {
    let toml = format!("[sip]\ntrunk = \"127.0.0.1:5070\"\n{TWO_TRUNKS}");
    let err = Config::from_sources(Some(&toml), &BTreeMap::new()).unwrap_err();
    assert!(matches!(err, ConfigError::Invalid { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("[sip] trunk") && text.contains("[[trunks]]"),
        "{text}"
    );
    // From the environment too, and for the other per-trunk keys of [sip].
    let err = Config::from_sources(Some(TWO_TRUNKS), &env(&[("VOICE_OTP_SIP_TRUNK", "h:1")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("[sip] trunk"), "{err}");
    let toml = format!("[sip]\npassword = \"secret-value\"\n{TWO_TRUNKS}");
    let err = Config::from_sources(Some(&toml), &BTreeMap::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("[sip] password"), "{err}");
    // [sip] listen, from-domain and keepalive stay shared by every trunk.
    let toml =
        format!("[sip]\nlisten = \"127.0.0.1:5999\"\nfrom-domain = \"x.example\"\n{TWO_TRUNKS}");
    assert!(Config::from_sources(Some(&toml), &BTreeMap::new()).is_ok());
}

#[test]
fn bad_trunk_values_are_refused_by_name() {
    let entry =
        |extra: &str| format!("[[trunks]]\nname = \"a\"\naddress = \"127.0.0.1:5070\"\n{extra}");
    for (toml, key) in [
        (
            "[[trunks]]\naddress = \"127.0.0.1:5070\"".to_owned(),
            "[[trunks]] #1 name",
        ),
        (
            "[[trunks]]\nname = \"Carrier A\"\naddress = \"h:1\"".to_owned(),
            "[[trunks]] #1 name",
        ),
        (
            "[[trunks]]\nname = \"a\"".to_owned(),
            "[[trunks]] #1 address",
        ),
        (
            "[[trunks]]\nname = \"a\"\naddress = \"no-port\"".to_owned(),
            "[[trunks]] #1 address",
        ),
        (
            "[[trunks]]\nname = \"a\"\naddress = \"h:0\"".to_owned(),
            "[[trunks]] #1 address",
        ),
        (entry("transport = \"sctp\""), "[[trunks]] #1 transport"),
        (entry("max-cps = 0"), "[[trunks]] #1 max-cps"),
        (entry("max-cps = \"fast\""), "[[trunks]] #1 max-cps"),
        (entry("max-concurrent = -1"), "[[trunks]] #1 max-concurrent"),
        (entry("priority = -2"), "[[trunks]] #1 priority"),
        (entry("weight = 0"), "[[trunks]] #1 weight"),
        (entry("tls-cert = \"/c.pem\""), "[[trunks]] #1 tls-cert"),
        (entry("colour = \"red\""), "[[trunks]] #1 colour"),
        (
            format!("{}\n{}", entry(""), entry("")),
            "[[trunks]] #2 name",
        ),
        ("trunks = 3".to_owned(), "[[trunks]]"),
        ("trunks = []".to_owned(), "[[trunks]]"),
    ] {
        let err = Config::from_sources(Some(&toml), &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{toml}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn a_bad_password_value_is_not_echoed() {
    let toml = "[[trunks]]\nname = \"a\"\naddress = \"h:1\"\npassword = 12345678";
    let err = Config::from_sources(Some(toml), &BTreeMap::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("[[trunks]] #1 password"), "{err}");
    assert!(!err.contains("12345678"), "{err}");
}

#[test]
fn srtp_required_needs_tls_on_every_trunk() {
    let toml = format!("[rtp]\nsrtp = \"required\"\n{TWO_TRUNKS}");
    let err = Config::from_sources(Some(&toml), &BTreeMap::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("[rtp] srtp"), "{err}");
}
