//! The espeak-ng engine: the documented language/gender/number mapping, validation errors
//! for what it cannot speak, and real synthesis of text and SSML (text passed on stdin,
//! never through a shell).

use std::time::Duration;

use voice_otp_media::{EspeakNg, Gender, MediaError, Tts, TtsInput, Voice};

/// The renderer's default limit of a prompt.
const MAX: Duration = Duration::from_secs(120);

fn voice(language: &str, gender: Gender, number: u8) -> Voice {
    Voice {
        language: language.into(),
        gender,
        number,
        volume: 0,
        ..Voice::default()
    }
}

#[test]
fn voice_mapping() {
    let e = EspeakNg::new();
    assert_eq!(e.voice_id(&Voice::default()).unwrap(), "en-gb+f1");
    assert_eq!(
        e.voice_id(&voice("en-US", Gender::Male, 3)).unwrap(),
        "en-us+m3"
    );
    assert_eq!(
        e.voice_id(&voice("NL-nl", Gender::Female, 5)).unwrap(),
        "nl+f5"
    );
    assert_eq!(
        e.voice_id(&voice("de_AT", Gender::Male, 7)).unwrap(),
        "de+m7"
    );
    assert_eq!(
        e.voice_id(&voice("fr-FR", Gender::Female, 2)).unwrap(),
        "fr-fr+f2"
    );
    assert_eq!(
        e.voice_id(&voice("es-ES", Gender::Female, 1)).unwrap(),
        "es+f1"
    );
    // A region without a voice of its own speaks its language: not a 400.
    for (tag, id) in [
        ("en-AU", "en-gb+f1"),
        ("fr-CA", "fr-fr+f1"),
        ("it-CH", "it+f1"),
        ("ru-RU", "ru+f1"),
        ("pl", "pl+f1"),
    ] {
        assert_eq!(e.voice_id(&voice(tag, Gender::Female, 1)).unwrap(), id);
    }
}

#[test]
fn unsupported_voices_fail_validation() {
    let e = EspeakNg::new();
    assert!(
        matches!(e.validate_voice(&voice("xx-YY", Gender::Female, 1)), Err(MediaError::UnsupportedLanguage(l)) if l == "xx-YY")
    );
    assert!(matches!(
        e.validate_voice(&voice("en-GB", Gender::Female, 6)),
        Err(MediaError::UnsupportedVoiceNumber { available: 5, .. })
    ));
    assert!(matches!(
        e.validate_voice(&voice("en-GB", Gender::Male, 0)),
        Err(MediaError::UnsupportedVoiceNumber { .. })
    ));
    let loud = Voice {
        volume: 5,
        ..Voice::default()
    };
    assert!(matches!(
        e.validate_voice(&loud),
        Err(MediaError::InvalidVolume(5))
    ));
}

#[test]
fn every_mapped_voice_exists_in_espeak_ng() {
    // A mapping to a voice espeak-ng lacks would make it fall back to its default voice
    // and report an error on stderr; make sure each one speaks.
    let e = EspeakNg::new();
    for lang in [
        "en-GB", "en-US", "nl-NL", "de-DE", "fr-FR", "fr-BE", "es-ES", "es-MX", "it-IT", "pt-PT",
        "pt-BR", "sv-SE", "da-DK", "nb-NO", "fi-FI", "pl-PL",
    ] {
        let s = e
            .synthesize(TtsInput::Text("1"), &voice(lang, Gender::Male, 1), MAX)
            .unwrap_or_else(|err| panic!("{lang}: {err}"));
        assert!(s.len() > 800, "{lang}: {} samples", s.len());
    }
}

#[test]
fn synthesizes_text_and_ssml_at_8khz() {
    let e = EspeakNg::new();
    let text = e
        .synthesize(TtsInput::Text("Your code is"), &Voice::default(), MAX)
        .unwrap();
    // About a second of speech at 8 kHz, and not silence.
    assert!(
        (4000..24000).contains(&text.len()),
        "{} samples",
        text.len()
    );
    assert!(text.iter().any(|&s| s.unsigned_abs() > 3000));
    let ssml = e
        .synthesize(
            TtsInput::Ssml("<speak>Your <break time=\"1000ms\"/> code</speak>"),
            &Voice::default(),
            MAX,
        )
        .unwrap();
    // The break is honoured (so the markup was read as SSML, not spoken).
    assert!(ssml.len() > 8000, "{} samples", ssml.len());
}

#[test]
fn text_is_never_run_by_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pwned");
    let text = format!(
        "hello $(touch {m}) `touch {m}`; touch {m}",
        m = marker.display()
    );
    EspeakNg::new()
        .synthesize(TtsInput::Text(&text), &Voice::default(), MAX)
        .unwrap();
    assert!(!marker.exists());
}

#[test]
fn a_missing_binary_is_a_typed_error() {
    let e = EspeakNg::with_program("/nonexistent/espeak-ng");
    assert!(matches!(
        e.synthesize(TtsInput::Text("x"), &Voice::default(), MAX),
        Err(MediaError::TtsSpawn { .. })
    ));
}
