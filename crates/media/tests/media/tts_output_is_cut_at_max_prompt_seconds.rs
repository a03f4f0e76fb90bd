//! No synthesis runs past the longest a prompt may be (`[audio] max-prompt-seconds`):
//! espeak-ng's output is read as a stream and the process is killed as soon as it passes
//! the limit, and the renderer holds any engine to the same limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use voice_otp_media::wav::encode_wav;
use voice_otp_media::{EspeakNg, MediaError, PromptSource, RenderConfig, Tts, TtsInput, Voice};

use crate::common::{Counting, renderer, script, synthesize_script};

#[test]
fn an_endless_engine_is_stopped_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    // A WAV header that claims a huge data chunk, then zeros for ever: what a runaway
    // espeak-ng would look like. 8 kHz 16-bit: 16,000 bytes a second.
    let mut header = encode_wav(&[]);
    header[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    std::fs::write(dir.path().join("header.wav"), &header).unwrap();
    let endless = script(
        dir.path(),
        "endless",
        &format!(
            "/bin/cat {} /dev/zero",
            dir.path().join("header.wav").display()
        ),
    );
    let started = Instant::now();
    let result = synthesize_script(
        &EspeakNg::with_program(&endless),
        "anything",
        Duration::from_secs(2),
    );
    assert!(
        matches!(result, Err(MediaError::TtsTooLong { max, .. }) if max == Duration::from_secs(2)),
        "{result:?}"
    );
    // Stopped, not run to the end (there is none): a generous bound for a busy machine.
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn real_espeak_ng_is_stopped_at_the_limit() {
    let long = "This sentence is read again and again. ".repeat(20);
    let e = EspeakNg::new();
    let result = e.synthesize(
        TtsInput::Text(&long),
        &Voice::default(),
        Duration::from_secs(1),
    );
    assert!(
        matches!(result, Err(MediaError::TtsTooLong { .. })),
        "{result:?}"
    );
    // The same text under the default limit renders (about 40 s of speech).
    let samples = e
        .synthesize(
            TtsInput::Text(&long),
            &Voice::default(),
            Duration::from_secs(120),
        )
        .unwrap();
    assert!(samples.len() > 8000 * 10, "{} samples", samples.len());
}

#[test]
fn the_renderer_holds_any_engine_to_the_limit() {
    // The counting engine ignores the limit: 80 samples per byte of text.
    let tts = Arc::new(Counting::new());
    let config = RenderConfig {
        max_prompt: Duration::from_secs(1),
        ..RenderConfig::default()
    };
    let (_d, r) = renderer(tts.clone(), config);
    let v = Voice::default();
    // 99 bytes: 7,920 samples, just under 1 s.
    r.render_prompt(&PromptSource::Tts("x".repeat(99)), &v)
        .unwrap();
    // 101 bytes: 8,080 samples, just over.
    let over = r.render_prompt(&PromptSource::Tts("x".repeat(101)), &v);
    assert!(
        matches!(over, Err(MediaError::TtsTooLong { .. })),
        "{over:?}"
    );
    assert_eq!(r.cached_prompts().0, 1, "a refused render is not cached");
}
