//! `[rtp] realtime-priority`: 10 by default, 0..=99 from the file or from
//! `VOICE_OTP_RTP_REALTIME_PRIORITY` (which wins), anything else one line naming the key,
//! the value and the allowed range. The shipped example documents it and the overload
//! guard's thresholds.

use std::collections::BTreeMap;

use voice_otp_daemon::Config;

use crate::common::env;
use voice_otp_daemon::config::env_var_name;

#[test]
fn default_is_ten() {
    let c = Config::from_sources(None, &BTreeMap::new()).unwrap();
    assert_eq!(c.rtp.realtime_priority, 10);
    // A file that sets other [rtp] keys keeps the default.
    let c = Config::from_sources(Some("[rtp]\nports = \"40000-40100\""), &BTreeMap::new()).unwrap();
    assert_eq!(c.rtp.realtime_priority, 10);
}

#[test]
fn file_values_from_zero_to_ninety_nine() {
    for n in [0u8, 1, 50, 99] {
        let toml = format!("[rtp]\nrealtime-priority = {n}");
        let c = Config::from_sources(Some(&toml), &BTreeMap::new()).unwrap();
        assert_eq!(c.rtp.realtime_priority, n, "{toml}");
    }
}

#[test]
fn env_overrides_the_file() {
    assert_eq!(
        env_var_name("rtp", "realtime-priority"),
        "VOICE_OTP_RTP_REALTIME_PRIORITY"
    );
    let c = Config::from_sources(
        Some("[rtp]\nrealtime-priority = 50"),
        &env(&[("VOICE_OTP_RTP_REALTIME_PRIORITY", "0")]),
    )
    .unwrap();
    assert_eq!(c.rtp.realtime_priority, 0);
    let c =
        Config::from_sources(None, &env(&[("VOICE_OTP_RTP_REALTIME_PRIORITY", " 42 ")])).unwrap();
    assert_eq!(c.rtp.realtime_priority, 42);
}

#[test]
fn out_of_range_or_not_an_integer_is_one_line_naming_key_value_and_range() {
    type Case<'a> = (Option<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (Some("[rtp]\nrealtime-priority = 100"), vec![], "100"),
        (Some("[rtp]\nrealtime-priority = -1"), vec![], "-1"),
        (Some("[rtp]\nrealtime-priority = 300"), vec![], "300"),
        (Some("[rtp]\nrealtime-priority = 1.5"), vec![], "1.5"),
        (Some("[rtp]\nrealtime-priority = \"10\""), vec![], "\"10\""),
        (Some("[rtp]\nrealtime-priority = true"), vec![], "true"),
        (
            None,
            vec![("VOICE_OTP_RTP_REALTIME_PRIORITY", "high")],
            "\"high\"",
        ),
        (
            None,
            vec![("VOICE_OTP_RTP_REALTIME_PRIORITY", "256")],
            "\"256\"",
        ),
        // A valid file value does not hide a bad override.
        (
            Some("[rtp]\nrealtime-priority = 20"),
            vec![("VOICE_OTP_RTP_REALTIME_PRIORITY", "-5")],
            "\"-5\"",
        ),
    ];
    for (toml, vars, got) in cases {
        let err = Config::from_sources(toml, &env(&vars))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[rtp] realtime-priority"),
            "{toml:?} {vars:?}: {err}"
        );
        assert!(
            err.contains(&format!("got {got}")),
            "{toml:?} {vars:?}: {err}"
        );
        assert!(err.contains("from 0") && err.contains("99"), "{err}");
        assert!(!err.contains('\n'), "not one line: {err}");
    }
    // A misspelt variable of the [rtp] section is an unknown key, not silently ignored.
    let err = Config::from_sources(None, &env(&[("VOICE_OTP_RTP_REALTIME_PRIO", "10")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("VOICE_OTP_RTP_REALTIME_PRIO"), "{err}");
}

#[test]
fn the_example_file_documents_the_default() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../voice-otp.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.lines().any(|l| l.trim() == "realtime-priority = 10"),
        "the example sets realtime-priority = 10"
    );
    let c = Config::from_sources(Some(&text), &BTreeMap::new()).unwrap();
    assert_eq!(c.rtp.realtime_priority, 10);
    // The overload guard as the RTP crate implements it, not as it once was.
    let guard = [
        format!(
            "using more than {} % of a CPU for {} seconds in a row",
            (voice_otp_rtp::DEMOTE_ABOVE * 100.0).round(),
            voice_otp_rtp::OVERLOADED_WINDOWS
        ),
        format!(
            "after {} seconds in a row below {} %",
            voice_otp_rtp::CALM_WINDOWS,
            (voice_otp_rtp::PROMOTE_BELOW * 100.0).round()
        ),
    ];
    // The comment as prose: without the `#` of each line and the line breaks.
    let prose = text
        .lines()
        .map(|l| l.trim_start().trim_start_matches('#'))
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ");
    for phrase in guard {
        assert!(prose.contains(&phrase), "the example should say {phrase:?}");
    }
}
