//! `[audio] char-gap`, `group-gap` and `repeat-last-group`: the pacing of a code reading,
//! from the file or the environment, with out-of-range values named by key.

use std::collections::BTreeMap;
use std::time::Duration;

use voice_otp_daemon::Config;

#[test]
fn pacing_defaults_file_and_environment() {
    let c = Config::default();
    assert_eq!(c.audio.char_gap, Duration::from_millis(300));
    assert_eq!(c.audio.group_gap, Duration::from_millis(800));
    assert!(!c.audio.repeat_last_group);

    let text = "[audio]\nchar-gap = \"450ms\"\ngroup-gap = \"1200ms\"\nrepeat-last-group = true\n";
    let c = Config::from_sources(Some(text), &BTreeMap::new()).unwrap();
    assert_eq!(c.audio.char_gap, Duration::from_millis(450));
    assert_eq!(c.audio.group_gap, Duration::from_millis(1200));
    assert!(c.audio.repeat_last_group);

    let env = BTreeMap::from([
        ("VOICE_OTP_AUDIO_CHAR_GAP".to_owned(), "0ms".to_owned()),
        ("VOICE_OTP_AUDIO_GROUP_GAP".to_owned(), "5s".to_owned()),
        (
            "VOICE_OTP_AUDIO_REPEAT_LAST_GROUP".to_owned(),
            "false".to_owned(),
        ),
    ]);
    let c = Config::from_sources(Some(text), &env).unwrap();
    assert_eq!(c.audio.char_gap, Duration::ZERO);
    assert_eq!(c.audio.group_gap, Duration::from_secs(5));
    assert!(!c.audio.repeat_last_group);
}

#[test]
fn bad_pacing_values_name_the_key() {
    for (text, key) in [
        ("[audio]\nchar-gap = \"2001ms\"\n", "[audio] char-gap"),
        ("[audio]\nchar-gap = \"-1ms\"\n", "[audio] char-gap"),
        ("[audio]\nchar-gap = \"fast\"\n", "[audio] char-gap"),
        ("[audio]\ngroup-gap = \"6s\"\n", "[audio] group-gap"),
        ("[audio]\ngroup-gap = true\n", "[audio] group-gap"),
        (
            "[audio]\nrepeat-last-group = \"yes\"\n",
            "[audio] repeat-last-group",
        ),
    ] {
        let err = Config::from_sources(Some(text), &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{text}: {err}");
    }
}
