//! Single-flight: identical renders started while the first is still synthesising wait for
//! it instead of running the engine again (one prompt for many callees costs one
//! espeak-ng run), and share its error when it fails.

use std::sync::Arc;
use std::time::Duration;

use voice_otp_media::{CodeType, MediaError, PromptSource, RenderConfig, Renderer, Voice};

use crate::common::{Counting, renderer};

const CALLEES: usize = 8;

/// Starts one render, waits until it is inside the engine (held at the closed gate), then
/// starts the others and gives them time to reach the engine (they would without
/// single-flight); then opens the gate and returns every result.
fn render_together<T: Send + 'static>(
    tts: &Counting,
    r: &Renderer,
    render: impl Fn(&Renderer) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let render = Arc::new(render);
    let spawn = |r: Renderer| {
        let render = render.clone();
        std::thread::spawn(move || render(&r))
    };
    let mut threads = vec![spawn(r.clone())];
    while tts.calls() == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    threads.extend((1..CALLEES).map(|_| spawn(r.clone())));
    // Not a timing assertion: a slow machine only makes the later renders arrive after
    // the first has landed, where the cache answers them; either way the engine runs once.
    std::thread::sleep(Duration::from_millis(500));
    tts.open();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

#[test]
fn one_prompt_for_many_callees_is_synthesised_once() {
    let tts = Arc::new(Counting::closed());
    let (_d, r) = renderer(tts.clone(), RenderConfig::default());
    let prompt = PromptSource::Tts("Welcome to the bank".into());
    let results = render_together(&tts, &r, move |r| {
        r.render_prompt(&prompt, &Voice::default()).unwrap()
    });
    assert_eq!(tts.calls(), 1);
    assert!(results.iter().all(|a| Arc::ptr_eq(a, &results[0])));
}

#[test]
fn a_failed_render_fails_every_waiter_once() {
    let tts = Arc::new(Counting::closed().failing());
    let (_d, r) = renderer(tts.clone(), RenderConfig::default());
    let prompt = PromptSource::Ssml("<speak>Welcome</speak>".into());
    let results = render_together(&tts, &r, move |r| {
        r.render_prompt(&prompt, &Voice::default())
    });
    assert_eq!(tts.calls(), 1);
    assert_eq!(results.len(), CALLEES);
    for result in results {
        assert!(
            matches!(result, Err(MediaError::TtsFailed { .. })),
            "{result:?}"
        );
    }
    // Failures are not cached: the next request tries again.
    assert!(
        r.render_prompt(
            &PromptSource::Ssml("<speak>Welcome</speak>".into()),
            &Voice::default()
        )
        .is_err()
    );
    assert_eq!(tts.calls(), 2);
}

#[test]
fn the_characters_of_a_tts_code_are_spoken_once() {
    let tts = Arc::new(Counting::closed());
    let (_d, r) = renderer(tts.clone(), RenderConfig::default());
    let results = render_together(&tts, &r, |r| {
        r.render_code("7", CodeType::Tts, &Voice::default())
            .unwrap()
    });
    assert_eq!(tts.calls(), 1);
    assert!(results.iter().all(|a| Arc::ptr_eq(a, &results[0])));
}
