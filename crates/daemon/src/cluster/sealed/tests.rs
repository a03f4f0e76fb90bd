//! Round trip, wrong key, moved row, tampered byte, truncation; and the secret's checks.

use std::time::Duration;

use voice_otp_call::{CallKind, CallSettings, CallSpec, CollectRules, DigitPattern, OtpCode};
use voice_otp_dtmf::Digit;
use voice_otp_media::{CodeType, PromptSource, Voice};

use super::*;

const CALL: &str = "5d1c3f7e-0000-4000-8000-00000000a001";

fn key(secret: &str) -> SealKey {
    SealKey::derive(&ClusterSecret::new(secret).unwrap())
}

fn spec() -> CallSpec {
    CallSpec {
        call_id: CALL.to_owned(),
        instruction_id: Some("order-77".to_owned()),
        kind: CallKind::Otp,
        callee: "+447700900123".to_owned(),
        caller: "+447700900999".to_owned(),
        anonymous: true,
        ring_timeout: Duration::from_millis(30_500),
        intro: Some(PromptSource::Tts("Hello".to_owned())),
        code_prompt: Some(PromptSource::Ssml("<speak>Your code</speak>".to_owned())),
        replay_prompt: Some(PromptSource::File("/prompts/replay.wav".to_owned())),
        outro: None,
        code: Some(OtpCode::new("8K3Q91")),
        code_type: CodeType::Tts,
        collect: Some(CollectRules {
            min_digits: 2,
            max_digits: 6,
            max_attempts: 3,
            timeout: Duration::from_secs(7),
            terminators: [Digit::Hash].into_iter().collect(),
            pattern: Some(DigitPattern::new("[0-9]{2,6}").unwrap()),
        }),
        invalid_prompt: Some(PromptSource::Tts("Again".to_owned())),
        keypress: Some(Digit::D7),
        voice: Voice {
            volume: -2,
            number: 2,
            ..Voice::default()
        },
        max_replays: 3,
        auto_replay: true,
        settings: CallSettings {
            require_keypress: true,
            ..CallSettings::default()
        },
    }
}

/// `Debug` redacts the code, so compare it and the code separately.
fn same(a: &CallSpec, b: &CallSpec) -> bool {
    format!("{a:?}") == format!("{b:?}")
        && a.code.as_ref().map(OtpCode::expose) == b.code.as_ref().map(OtpCode::expose)
}

const SECRET: &str = "a-cluster-secret-of-more-than-32-characters";

#[test]
fn round_trip_gives_the_same_spec_and_hides_the_code() {
    let k = key(SECRET);
    let sealed = k.seal(&spec()).unwrap();
    assert_eq!(sealed[0], VERSION);
    for needle in ["8K3Q91", "+447700900123", "order-77", "Your code"] {
        assert!(
            !sealed.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} in clear"
        );
    }
    let opened = k.open(CALL, &sealed).unwrap();
    assert!(same(&opened, &spec()));
    assert!(opened.collect.unwrap().pattern.unwrap().is_match("1234"));
    // A fresh nonce per seal: the same spec never gives the same bytes.
    assert_ne!(k.seal(&spec()).unwrap(), sealed);
}

#[test]
fn a_notification_without_code_round_trips() {
    let k = key(SECRET);
    let plain = CallSpec {
        kind: CallKind::Notification,
        code: None,
        collect: None,
        keypress: None,
        ..spec()
    };
    assert!(same(
        &k.open(CALL, &k.seal(&plain).unwrap()).unwrap(),
        &plain
    ));
}

#[test]
fn another_secret_does_not_open() {
    let sealed = key(SECRET).seal(&spec()).unwrap();
    let other = key("another-cluster-secret-of-32-or-more-chars");
    assert_eq!(
        other.open(CALL, &sealed).unwrap_err(),
        SealError::Authentication
    );
}

#[test]
fn a_spec_moved_to_another_call_does_not_open() {
    let k = key(SECRET);
    let sealed = k.seal(&spec()).unwrap();
    let err = k
        .open("5d1c3f7e-0000-4000-8000-00000000a002", &sealed)
        .unwrap_err();
    assert_eq!(err, SealError::Authentication);
}

#[test]
fn every_flipped_byte_is_refused() {
    let k = key(SECRET);
    let sealed = k.seal(&spec()).unwrap();
    for at in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[at] ^= 0x01;
        let err = k.open(CALL, &bad).unwrap_err();
        let want = if at == 0 {
            SealError::Version
        } else {
            SealError::Authentication
        };
        assert_eq!(err, want, "byte {at}");
    }
}

#[test]
fn truncated_or_extended_specs_are_refused() {
    let k = key(SECRET);
    let sealed = k.seal(&spec()).unwrap();
    for len in 0..sealed.len() {
        let err = k.open(CALL, &sealed[..len]).unwrap_err();
        assert!(
            matches!(err, SealError::Length | SealError::Authentication),
            "{len}: {err:?}"
        );
    }
    let mut longer = sealed.clone();
    longer.push(0);
    assert_eq!(
        k.open(CALL, &longer).unwrap_err(),
        SealError::Authentication
    );
    let huge = vec![VERSION; MAX_SEALED_LEN + 1];
    assert_eq!(k.open(CALL, &huge).unwrap_err(), SealError::Length);
}

#[test]
fn a_growing_buffer_still_seals_large_specs() {
    let k = key(SECRET);
    let big = CallSpec {
        intro: Some(PromptSource::Tts("word ".repeat(2000))),
        ..spec()
    };
    assert!(same(&k.open(CALL, &k.seal(&big).unwrap()).unwrap(), &big));
}

#[test]
fn secrets_are_checked_and_never_shown() {
    assert!(ClusterSecret::new("too short").is_err());
    assert!(ClusterSecret::new(&"x".repeat(31)).is_err());
    assert!(ClusterSecret::new(&format!("{}\n", "x".repeat(40))).is_err());
    assert!(ClusterSecret::new(EXAMPLE_PLACEHOLDER).is_err());
    let s = ClusterSecret::new(SECRET).unwrap();
    assert!(!format!("{s:?}").contains(SECRET));
    assert!(!format!("{:?}", SealKey::derive(&s)).contains("0x"));
}
