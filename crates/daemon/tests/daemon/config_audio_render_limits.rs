//! `[audio] cache-bytes` and `[audio] max-prompt-seconds`: defaults, file, environment,
//! and a bad value named in one line; the example file states the defaults.

use std::collections::BTreeMap;
use std::time::Duration;

use voice_otp_daemon::Config;

#[test]
fn defaults_file_and_environment() {
    let c = Config::default();
    assert_eq!(c.audio.cache_bytes, 64 * 1024 * 1024);
    assert_eq!(c.audio.max_prompt, Duration::from_secs(120));

    let text = "[audio]\ncache-bytes = 1000\nmax-prompt-seconds = 5\n";
    let c = Config::from_sources(Some(text), &BTreeMap::new()).unwrap();
    assert_eq!(c.audio.cache_bytes, 1000);
    assert_eq!(c.audio.max_prompt, Duration::from_secs(5));

    let env = BTreeMap::from([
        ("VOICE_OTP_AUDIO_CACHE_BYTES".to_owned(), "0".to_owned()),
        (
            "VOICE_OTP_AUDIO_MAX_PROMPT_SECONDS".to_owned(),
            "2".to_owned(),
        ),
    ]);
    let c = Config::from_sources(Some(text), &env).unwrap();
    assert_eq!(c.audio.cache_bytes, 0);
    assert_eq!(c.audio.max_prompt, Duration::from_secs(2));
}

#[test]
fn bad_values_name_the_key() {
    for (text, key) in [
        ("[audio]\ncache-bytes = -1\n", "[audio] cache-bytes"),
        ("[audio]\ncache-bytes = \"64MiB\"\n", "[audio] cache-bytes"),
        (
            "[audio]\nmax-prompt-seconds = 0\n",
            "[audio] max-prompt-seconds",
        ),
        (
            "[audio]\nmax-prompt-seconds = 601\n",
            "[audio] max-prompt-seconds",
        ),
    ] {
        let err = Config::from_sources(Some(text), &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{text}: {err}");
    }
}

#[test]
fn the_example_file_states_the_defaults() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../voice-otp.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains("cache-bytes = 67108864"),
        "cache-bytes missing"
    );
    assert!(
        text.contains("max-prompt-seconds = 120"),
        "max-prompt-seconds missing"
    );
    let c = Config::from_sources(Some(&text), &BTreeMap::new()).unwrap();
    assert_eq!(c.audio, Config::default().audio);
}
