//! `[rtp] srtp`: `"off"` by default, `"optional"` with any transport, `"required"` refused
//! at start unless `[sip] transport` is TLS (SDES keys in clear SIP protect nothing), and
//! anything else one line naming the key and the choices. The shipped example documents it.

use std::collections::BTreeMap;

use voice_otp_daemon::Config;
use voice_otp_sip::SrtpPolicy;

use crate::common::{env, example_config_with};

#[test]
fn default_is_off_and_optional_is_read_from_file_and_env() {
    let c = Config::from_sources(None, &BTreeMap::new()).unwrap();
    assert_eq!(c.rtp.srtp, SrtpPolicy::Off);
    for transport in ["udp", "tcp"] {
        let text = format!("[sip]\ntransport = \"{transport}\"\n[rtp]\nsrtp = \"Optional\"");
        let c = Config::from_sources(Some(&text), &BTreeMap::new()).unwrap();
        assert_eq!(c.rtp.srtp, SrtpPolicy::Optional, "{text}");
    }
    let c = Config::from_sources(
        Some("[rtp]\nsrtp = \"optional\""),
        &env(&[("VOICE_OTP_RTP_SRTP", "off")]),
    )
    .unwrap();
    assert_eq!(c.rtp.srtp, SrtpPolicy::Off);
}

/// The start-up error of a config: one line naming `[rtp] srtp`.
fn srtp_error(text: Option<&str>, vars: &[(&str, &str)]) -> String {
    let err = Config::from_sources(text, &env(vars))
        .unwrap_err()
        .to_string();
    assert!(err.contains("[rtp] srtp"), "{err}");
    assert!(!err.contains('\n'), "not one line: {err}");
    err
}

#[test]
fn required_over_clear_sip_is_refused_at_start() {
    for (text, vars) in [
        (Some("[rtp]\nsrtp = \"required\""), vec![]),
        (
            Some("[sip]\ntransport = \"tcp\"\n[rtp]\nsrtp = \"required\""),
            vec![],
        ),
        (None, vec![("VOICE_OTP_RTP_SRTP", "required")]),
    ] {
        let err = srtp_error(text, &vars);
        assert!(err.contains("tls"), "{err}");
    }
}

#[test]
fn anything_else_is_one_line_naming_the_key_and_the_choices() {
    for (text, vars) in [
        (Some("[rtp]\nsrtp = \"on\""), vec![]),
        (Some("[rtp]\nsrtp = true"), vec![]),
        (None, vec![("VOICE_OTP_RTP_SRTP", "sdes")]),
    ] {
        let err = srtp_error(text, &vars);
        assert!(
            err.contains("off") && err.contains("optional") && err.contains("required"),
            "{err}"
        );
    }
}

#[test]
fn the_example_file_documents_the_default() {
    let c = example_config_with("srtp = \"off\"");
    assert_eq!(c.rtp.srtp, SrtpPolicy::Off);
}
