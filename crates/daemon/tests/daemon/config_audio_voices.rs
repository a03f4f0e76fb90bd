//! `[audio] recorded` (the imported human spelling sets) and `[audio] letter-style`:
//! defaults, file, environment, a bad value named in one line; the example file states
//! the defaults.

use std::collections::BTreeMap;
use std::path::PathBuf;

use voice_otp_daemon::Config;
use voice_otp_media::LetterStyle;

#[test]
fn defaults_file_and_environment() {
    let c = Config::default();
    assert_eq!(c.audio.recorded, PathBuf::from("./data/voices"));
    assert_eq!(c.audio.letter_style, None, "by-voice");

    let text = "[audio]\nrecorded = \"/srv/voices\"\nletter-style = \"Phonetic\"\n";
    let c = Config::from_sources(Some(text), &BTreeMap::new()).unwrap();
    assert_eq!(c.audio.recorded, PathBuf::from("/srv/voices"));
    assert_eq!(c.audio.letter_style, Some(LetterStyle::Phonetic));

    let env = BTreeMap::from([
        ("VOICE_OTP_AUDIO_RECORDED".to_owned(), "/x".to_owned()),
        ("VOICE_OTP_AUDIO_LETTER_STYLE".to_owned(), "name".to_owned()),
    ]);
    let c = Config::from_sources(Some(text), &env).unwrap();
    assert_eq!(c.audio.recorded, PathBuf::from("/x"));
    assert_eq!(c.audio.letter_style, Some(LetterStyle::Name));

    let by_voice = "[audio]\nletter-style = \"By-Voice\"\n";
    let c = Config::from_sources(Some(by_voice), &BTreeMap::new()).unwrap();
    assert_eq!(c.audio.letter_style, None);
}

#[test]
fn a_bad_letter_style_names_the_key() {
    for text in [
        "[audio]\nletter-style = \"nato\"\n",
        "[audio]\nletter-style = 1\n",
    ] {
        let err = Config::from_sources(Some(text), &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("[audio] letter-style"), "{text}: {err}");
    }
}

#[test]
fn the_example_file_states_the_defaults() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../voice-otp.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains("recorded = \"./data/voices\""));
    assert!(text.contains("letter-style = \"by-voice\""));
}
