//! Repeated prompts and readings cost no synthesis: prompts are cached in memory and on
//! disk (keyed by engine, voice and text), readings in memory only, under keys that do not
//! reveal the code, and only while a call holds them; nothing of a code is written to the
//! disk cache.

use std::sync::Arc;

use voice_otp_media::wav::encode_wav;
use voice_otp_media::{CodeType, PromptSource, RenderConfig, Renderer, Voice};

use crate::common::{Counting, renderer};

fn setup(disk: Option<std::path::PathBuf>) -> (tempfile::TempDir, Arc<Counting>, Renderer) {
    let tts = Arc::new(Counting::new());
    let config = RenderConfig {
        disk_cache: disk,
        ..RenderConfig::default()
    };
    let (dir, r) = renderer(tts.clone(), config);
    (dir, tts, r)
}

#[test]
fn a_repeated_prompt_is_synthesised_once() {
    let (_d, tts, r) = setup(None);
    let v = Voice::default();
    let p = PromptSource::Tts("Welcome to the bank".into());
    let a = r.render_prompt(&p, &v).unwrap();
    let b = r.clone().render_prompt(&p, &v).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(tts.calls(), 1);
    // Another voice, volume, kind or text is another rendering.
    r.render_prompt(
        &p,
        &Voice {
            number: 2,
            ..v.clone()
        },
    )
    .unwrap();
    r.render_prompt(
        &p,
        &Voice {
            volume: 1,
            ..v.clone()
        },
    )
    .unwrap();
    // The same text as plain TTS and as SSML: two renderings.
    let marked_up = "<speak>Welcome to the bank</speak>";
    r.render_prompt(&PromptSource::Tts(marked_up.into()), &v)
        .unwrap();
    r.render_prompt(&PromptSource::Ssml(marked_up.into()), &v)
        .unwrap();
    r.render_prompt(&PromptSource::Tts("Welcome to the bank!".into()), &v)
        .unwrap();
    assert_eq!(tts.calls(), 6);
}

#[test]
fn the_disk_cache_survives_a_new_renderer() {
    let disk = tempfile::tempdir().unwrap();
    let p = PromptSource::Tts("Press one".into());
    let v = Voice::default();
    let (_d1, tts1, r1) = setup(Some(disk.path().to_owned()));
    let first = r1.render_prompt(&p, &v).unwrap();
    assert_eq!(tts1.calls(), 1);
    let (_d2, tts2, r2) = setup(Some(disk.path().to_owned()));
    let again = r2.render_prompt(&p, &v).unwrap();
    assert_eq!(tts2.calls(), 0);
    assert_eq!(first.samples(), again.samples());
    assert_eq!(std::fs::read_dir(disk.path()).unwrap().count(), 1);
}

#[test]
fn codes_stay_in_memory_under_opaque_keys() {
    let disk = tempfile::tempdir().unwrap();
    let (_d, tts, r) = setup(Some(disk.path().to_owned()));
    let v = Voice::default();
    let a = r.render_reading(None, "493817", CodeType::Tts, &v).unwrap();
    let after_first = tts.calls();
    let b = r.render_reading(None, "493817", CodeType::Tts, &v).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(tts.calls(), after_first);
    // Letter case does not matter to a reading.
    let c = r.render_code("AB12", CodeType::Default, &v).unwrap();
    let d = r.render_code("ab12", CodeType::Default, &v).unwrap();
    assert!(Arc::ptr_eq(&c, &d));
    // Nothing was written for the code.
    assert_eq!(std::fs::read_dir(disk.path()).unwrap().count(), 0);
    // And the renderer's debug form shows no code.
    let dbg = format!("{r:?}");
    assert!(!dbg.contains("493817") && !dbg.contains("ab12"), "{dbg}");
}

#[test]
fn a_code_rendering_is_gone_when_its_last_holder_drops_it() {
    let (_d, tts, r) = setup(None);
    let v = Voice::default();
    // Two callees of one instruction: their calls share one rendering.
    let first_call = r.render_reading(None, "493817", CodeType::Tts, &v).unwrap();
    let second_call = r.render_reading(None, "493817", CodeType::Tts, &v).unwrap();
    assert!(Arc::ptr_eq(&first_call, &second_call));
    assert_eq!(r.live_codes(), 1);
    let weak = Arc::downgrade(&first_call);
    drop(first_call);
    assert_eq!(r.live_codes(), 1, "the second call still reads it");
    drop(second_call);
    // Both calls ended: the renderer kept nothing of the code alive.
    assert!(weak.upgrade().is_none());
    assert_eq!(r.live_codes(), 0);
    // A later call renders it anew (the characters themselves stay cached, not the code).
    let calls = tts.calls();
    let again = r.render_reading(None, "493817", CodeType::Tts, &v).unwrap();
    assert!(weak.upgrade().is_none() && again.samples().len() > 6 * 80);
    assert_eq!(tts.calls(), calls);
    assert_eq!(r.live_codes(), 1);
}

#[test]
fn a_replaced_file_is_read_again() {
    let (d, _tts, r) = setup(None);
    let v = Voice::default();
    let file = d.path().join("defaults/spelling/en-GB/7.wav");
    assert_eq!(
        r.render_code("7", CodeType::Default, &v)
            .unwrap()
            .samples()
            .len(),
        400
    );
    std::fs::write(&file, encode_wav(&[5; 900])).unwrap();
    r.clear_cache();
    assert_eq!(
        r.render_code("7", CodeType::Default, &v).unwrap().samples(),
        &[5; 900][..]
    );
    // File prompts are keyed by size and mtime, so a new file shows without clearing.
    let code = d.path().join("defaults/prompts/en-GB/code.wav");
    let p = PromptSource::File("/prompts/en-GB/code.wav".into());
    assert_eq!(r.render_prompt(&p, &v).unwrap().samples().len(), 800);
    std::fs::write(&code, encode_wav(&[9; 1234])).unwrap();
    assert_eq!(r.render_prompt(&p, &v).unwrap().samples(), &[9; 1234][..]);
}
