//! Configuration: spec defaults (all loopback), TOML file, `VOICE_OTP_<SECTION>_<KEY>`
//! overrides that win over the file, and one-line errors naming the key. The shipped
//! `voice-otp.example.toml` parses.

use std::collections::BTreeMap;
use std::time::Duration;

use voice_otp_daemon::Config;

use crate::common::env;
use voice_otp_daemon::config::{SipTransport, env_var_name};

#[test]
fn defaults_are_the_loopback_setup() {
    let c = Config::from_sources(None, &BTreeMap::new()).unwrap();
    assert_eq!(c.http.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.sip.listen.to_string(), "127.0.0.1:5060");
    assert_eq!(c.sip.trunk, "127.0.0.1:5070");
    assert_eq!(c.sip.transport, SipTransport::Udp);
    assert_eq!(c.rtp.ip.to_string(), "127.0.0.1");
    assert_eq!((c.rtp.ports.first, c.rtp.ports.last), (20000, 30000));
    assert_eq!(c.store.path.to_str(), Some("./data/voice-otp.db"));
    assert_eq!(c.calls.max_concurrent, 1000);
    assert_eq!(c.calls.replay_wait, Duration::from_secs(5));
    assert!(c.callbacks.retry_for >= Duration::from_secs(24 * 3600));
    assert!(!c.calls.opus);
    assert_eq!(c.sip.t1, Duration::from_millis(500));
}

#[test]
fn file_values_and_env_overrides() {
    let toml = r#"
        [http]
        listen = "127.0.0.1:9090"
        tokens = ["a", "b"]
        [sip]
        transport = "TCP"
        trunk = "trunk.example.test:5080"
        [calls]
        max-concurrent = 50
        replay-wait = "2500ms"
        max-call-duration = "5m"
        opus = true
        [callbacks]
        retry-for = "30h"
        [rtp]
        ports = "40000-40100"
    "#;
    let c = Config::from_sources(
        Some(toml),
        &env(&[
            ("VOICE_OTP_HTTP_TOKENS", "x, y ,z"),
            ("VOICE_OTP_CALLS_MAX_CONCURRENT", "7"),
            ("VOICE_OTP_SIP_FROM_DOMAIN", "otp.example.test"),
            ("VOICE_OTP_CALLBACKS_SECRET", "shh"),
        ]),
    )
    .unwrap();
    assert_eq!(c.http.listen.port(), 9090);
    assert_eq!(c.http.tokens, ["x", "y", "z"]);
    assert_eq!(c.sip.transport, SipTransport::Tcp);
    assert_eq!(c.sip.trunk, "trunk.example.test:5080");
    assert_eq!(c.sip.from_domain, "otp.example.test");
    assert_eq!(c.calls.max_concurrent, 7);
    assert_eq!(c.calls.replay_wait, Duration::from_millis(2500));
    assert_eq!(c.calls.max_call_duration, Duration::from_secs(300));
    assert!(c.calls.opus);
    assert_eq!(c.callbacks.retry_for, Duration::from_secs(30 * 3600));
    assert_eq!(c.callbacks.secret, "shh");
    assert_eq!((c.rtp.ports.first, c.rtp.ports.last), (40000, 40100));
    assert_eq!(
        env_var_name("calls", "max-concurrent"),
        "VOICE_OTP_CALLS_MAX_CONCURRENT"
    );
}

#[test]
fn bad_config_is_one_line_naming_the_key() {
    type Case<'a> = (Option<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            Some("[http]\nlisten = \"nowhere\""),
            vec![],
            "[http] listen",
        ),
        (
            Some("[http]\nlisen = \"127.0.0.1:1\""),
            vec![],
            "[http] lisen",
        ),
        (Some("[htp]\nlisten = \"127.0.0.1:1\""), vec![], "htp"),
        (
            Some("[calls]\nmax-concurrent = 0"),
            vec![],
            "[calls] max-concurrent",
        ),
        (
            Some("[calls]\nreplay-wait = \"soon\""),
            vec![],
            "[calls] replay-wait",
        ),
        (
            Some("[sip]\ntransport = \"sctp\""),
            vec![],
            "[sip] transport",
        ),
        (
            Some("[rtp]\nports = \"30000-20000\""),
            vec![],
            "[rtp] ports",
        ),
        (Some("[rtp]\nip = \"localhost\""), vec![], "[rtp] ip"),
        // T1 below 10 ms would retransmit INVITEs in a storm; above 4 s is beyond T2.
        (Some("[sip]\nt1 = \"1ms\""), vec![], "[sip] t1"),
        (None, vec![("VOICE_OTP_SIP_T1", "5s")], "[sip] t1"),
        (Some("[calls]\nopus = \"maybe\""), vec![], "[calls] opus"),
        (Some("not toml ["), vec![], "invalid TOML"),
        (
            None,
            vec![("VOICE_OTP_CALLS_MAX_CONCURRENT", "many")],
            "[calls] max-concurrent",
        ),
        (
            None,
            vec![("VOICE_OTP_HTTP_LISTN", "x")],
            "VOICE_OTP_HTTP_LISTN",
        ),
    ];
    for (toml, vars, key) in cases {
        let err = Config::from_sources(toml, &env(&vars))
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{toml:?} {vars:?}: {err}");
        assert!(!err.contains('\n'), "not one line: {err}");
    }
    // Variables outside the config's sections are left alone.
    assert!(
        Config::from_sources(
            None,
            &env(&[("VOICE_OTP_BIN", "/x"), ("VOICE_OTP_E2E_PORT", "1")])
        )
        .is_ok()
    );
    // Secrets are not echoed.
    let err = Config::from_sources(
        Some("[http]\ntokens = [\"topsecret\", \"\"]"),
        &BTreeMap::new(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("[http] tokens") && !err.contains("topsecret"),
        "{err}"
    );
}

#[test]
fn the_example_file_parses_and_sets_every_section() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../voice-otp.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let c = Config::from_sources(Some(&text), &BTreeMap::new()).unwrap();
    assert_eq!(c.http.listen.to_string(), "127.0.0.1:8080");
    for section in [
        "[http]",
        "[sip]",
        "[rtp]",
        "[store]",
        "[audio]",
        "[callbacks]",
        "[calls]",
        "[log]",
    ] {
        assert!(text.contains(section), "{section} missing from the example");
    }
}
