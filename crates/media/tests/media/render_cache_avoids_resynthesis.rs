//! Repeated prompts and readings cost no synthesis: prompts are cached in memory and on
//! disk (keyed by engine, voice and text), readings in memory only, under keys that do not
//! reveal the code; nothing of a code is written to the disk cache.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use voice_otp_media::wav::encode_wav;
use voice_otp_media::{
    AudioRoot, CodeType, MediaError, PromptSource, RenderConfig, Renderer, Tts, TtsInput, Voice,
};

/// A deterministic engine that counts its syntheses: a tone whose length follows the text.
#[derive(Debug, Default)]
struct Counting {
    calls: AtomicUsize,
}

impl Tts for Counting {
    fn name(&self) -> &'static str {
        "counting"
    }
    fn voice_id(&self, voice: &Voice) -> Result<String, MediaError> {
        Ok(format!(
            "{}-{:?}-{}",
            voice.language, voice.gender, voice.number
        ))
    }
    fn synthesize(&self, input: TtsInput<'_>, _voice: &Voice) -> Result<Vec<i16>, MediaError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let text = match input {
            TtsInput::Text(t) | TtsInput::Ssml(t) => t,
        };
        Ok((0..80 * text.len())
            .map(|n| ((n % 40) as i16 - 20) * 500)
            .collect())
    }
}

fn setup(
    disk: Option<std::path::PathBuf>,
    entries: usize,
) -> (tempfile::TempDir, Arc<Counting>, Renderer) {
    let dir = tempfile::tempdir().unwrap();
    let defaults = dir.path().join("defaults");
    std::fs::create_dir_all(defaults.join("spelling/en-GB")).unwrap();
    std::fs::create_dir_all(defaults.join("prompts/en-GB")).unwrap();
    for c in ('0'..='9').chain('a'..='z') {
        std::fs::write(
            defaults.join(format!("spelling/en-GB/{c}.wav")),
            encode_wav(&[1000; 400]),
        )
        .unwrap();
    }
    std::fs::write(
        defaults.join("prompts/en-GB/code.wav"),
        encode_wav(&[-1000; 800]),
    )
    .unwrap();
    let tts = Arc::new(Counting::default());
    let config = RenderConfig {
        disk_cache: disk,
        code_cache_entries: entries,
        ..RenderConfig::default()
    };
    let r = Renderer::new(AudioRoot::new(None, defaults), tts.clone(), config);
    (dir, tts, r)
}

#[test]
fn a_repeated_prompt_is_synthesised_once() {
    let (_d, tts, r) = setup(None, 16);
    let v = Voice::default();
    let p = PromptSource::Tts("Welcome to the bank".into());
    let a = r.render_prompt(&p, &v).unwrap();
    let b = r.clone().render_prompt(&p, &v).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(tts.calls.load(Ordering::SeqCst), 1);
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
    r.render_prompt(&PromptSource::Ssml("Welcome to the bank".into()), &v)
        .unwrap();
    r.render_prompt(&PromptSource::Tts("Welcome to the bank!".into()), &v)
        .unwrap();
    assert_eq!(tts.calls.load(Ordering::SeqCst), 5);
}

#[test]
fn the_disk_cache_survives_a_new_renderer() {
    let disk = tempfile::tempdir().unwrap();
    let p = PromptSource::Tts("Press one".into());
    let v = Voice::default();
    let (_d1, tts1, r1) = setup(Some(disk.path().to_owned()), 16);
    let first = r1.render_prompt(&p, &v).unwrap();
    assert_eq!(tts1.calls.load(Ordering::SeqCst), 1);
    let (_d2, tts2, r2) = setup(Some(disk.path().to_owned()), 16);
    let again = r2.render_prompt(&p, &v).unwrap();
    assert_eq!(tts2.calls.load(Ordering::SeqCst), 0);
    assert_eq!(first.samples(), again.samples());
    assert_eq!(std::fs::read_dir(disk.path()).unwrap().count(), 1);
}

#[test]
fn codes_stay_in_memory_under_opaque_keys() {
    let disk = tempfile::tempdir().unwrap();
    let (_d, tts, r) = setup(Some(disk.path().to_owned()), 16);
    let v = Voice::default();
    let a = r.render_reading(None, "493817", CodeType::Tts, &v).unwrap();
    let after_first = tts.calls.load(Ordering::SeqCst);
    let b = r.render_reading(None, "493817", CodeType::Tts, &v).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(tts.calls.load(Ordering::SeqCst), after_first);
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
fn the_code_cache_is_bounded() {
    let (_d, _tts, r) = setup(None, 2);
    let v = Voice::default();
    let first = r.render_code("111", CodeType::Default, &v).unwrap();
    assert!(Arc::ptr_eq(
        &first,
        &r.render_code("111", CodeType::Default, &v).unwrap()
    ));
    r.render_code("222", CodeType::Default, &v).unwrap();
    r.render_code("333", CodeType::Default, &v).unwrap();
    let again = r.render_code("111", CodeType::Default, &v).unwrap();
    assert!(!Arc::ptr_eq(&first, &again));
    assert_eq!(first.samples(), again.samples());
}

#[test]
fn a_replaced_file_is_read_again() {
    let (d, _tts, r) = setup(None, 16);
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
