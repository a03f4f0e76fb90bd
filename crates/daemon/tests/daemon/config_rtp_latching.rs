//! `[rtp] latching`: `"symmetric"` by default, `"strict"` or `"symmetric"` from the file or
//! from `VOICE_OTP_RTP_LATCHING` (which wins), anything else one line naming the key and the
//! two choices. The shipped example documents it.

use std::collections::BTreeMap;

use voice_otp_daemon::Config;

use crate::common::env;
use voice_otp_rtp::Latching;

#[test]
fn default_is_symmetric_and_both_modes_are_read() {
    let c = Config::from_sources(None, &BTreeMap::new()).unwrap();
    assert_eq!(c.rtp.latching, Latching::Symmetric);
    for (text, want) in [
        ("[rtp]\nlatching = \"strict\"", Latching::Strict),
        ("[rtp]\nlatching = \"symmetric\"", Latching::Symmetric),
        ("[rtp]\nlatching = \"Strict\"", Latching::Strict),
    ] {
        let c = Config::from_sources(Some(text), &BTreeMap::new()).unwrap();
        assert_eq!(c.rtp.latching, want, "{text}");
    }
    let c = Config::from_sources(
        Some("[rtp]\nlatching = \"symmetric\""),
        &env(&[("VOICE_OTP_RTP_LATCHING", "strict")]),
    )
    .unwrap();
    assert_eq!(c.rtp.latching, Latching::Strict);
}

#[test]
fn anything_else_is_one_line_naming_the_key_and_the_choices() {
    for (text, vars) in [
        (Some("[rtp]\nlatching = \"any\""), vec![]),
        (Some("[rtp]\nlatching = true"), vec![]),
        (None, vec![("VOICE_OTP_RTP_LATCHING", "off")]),
    ] {
        let err = Config::from_sources(text, &env(&vars))
            .unwrap_err()
            .to_string();
        assert!(err.contains("[rtp] latching"), "{err}");
        assert!(err.contains("strict") && err.contains("symmetric"), "{err}");
        assert!(!err.contains('\n'), "not one line: {err}");
    }
}

#[test]
fn the_example_file_documents_the_default() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../voice-otp.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.lines().any(|l| l.trim() == "latching = \"symmetric\""),
        "the example sets latching = \"symmetric\""
    );
    let c = Config::from_sources(Some(&text), &BTreeMap::new()).unwrap();
    assert_eq!(c.rtp.latching, Latching::Symmetric);
}
