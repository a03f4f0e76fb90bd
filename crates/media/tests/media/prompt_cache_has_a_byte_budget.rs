//! The in-memory prompt cache holds at most `cache_bytes` (`[audio] cache-bytes`): past
//! it, the least recently used prompts are evicted, and a prompt larger than the whole
//! budget is rendered but not kept.

use std::sync::Arc;

use voice_otp_media::{PromptSource, RenderConfig, Voice};

use crate::common::{Counting, renderer};

fn tts(text: &str) -> PromptSource {
    PromptSource::Tts(text.into())
}

#[test]
fn least_recently_used_prompts_go_first() {
    // One 4-character prompt of the counting engine: 320 samples -> 640 + 2 * 320 bytes.
    let one = 1280;
    let tts_engine = Arc::new(Counting::new());
    let config = RenderConfig {
        cache_bytes: 2 * one + one / 2,
        ..RenderConfig::default()
    };
    let (_d, r) = renderer(tts_engine.clone(), config);
    let v = Voice::default();
    let a = r.render_prompt(&tts("aaaa"), &v).unwrap();
    assert_eq!(a.heap_bytes(), one);
    r.render_prompt(&tts("bbbb"), &v).unwrap();
    assert_eq!(tts_engine.calls(), 2);
    // Using "aaaa" again makes "bbbb" the least recently used...
    r.render_prompt(&tts("aaaa"), &v).unwrap();
    assert_eq!(tts_engine.calls(), 2);
    // ...so a third prompt evicts "bbbb", not "aaaa".
    r.render_prompt(&tts("cccc"), &v).unwrap();
    assert_eq!(r.cached_prompts(), (2, 2 * one));
    r.render_prompt(&tts("aaaa"), &v).unwrap();
    assert_eq!(tts_engine.calls(), 3);
    r.render_prompt(&tts("bbbb"), &v).unwrap();
    assert_eq!(tts_engine.calls(), 4);
    assert!(r.cached_prompts().1 <= 2 * one + one / 2);
}

#[test]
fn a_prompt_larger_than_the_budget_is_not_kept() {
    let tts_engine = Arc::new(Counting::new());
    let config = RenderConfig {
        cache_bytes: 1000,
        ..RenderConfig::default()
    };
    let (_d, r) = renderer(tts_engine.clone(), config);
    let v = Voice::default();
    let long = tts("a prompt of more than a thousand bytes once rendered");
    r.render_prompt(&long, &v).unwrap();
    r.render_prompt(&long, &v).unwrap();
    assert_eq!(tts_engine.calls(), 2);
    assert_eq!(r.cached_prompts(), (0, 0));
}
