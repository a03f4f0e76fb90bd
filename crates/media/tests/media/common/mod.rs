//! Shared by the media tests: a counting TTS engine and a renderer over a small audio store.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use voice_otp_media::wav::encode_wav;
use voice_otp_media::{AudioRoot, MediaError, RenderConfig, Renderer, Tts, TtsInput, Voice};

/// A deterministic engine that counts its syntheses: a tone whose length follows the text
/// (80 samples, 10 ms, per byte). It can be held at a gate, to keep renders in flight, and
/// made to fail.
#[derive(Debug)]
pub(crate) struct Counting {
    calls: AtomicUsize,
    /// `true` while closed: a synthesis counts itself, then waits until it opens.
    closed: Mutex<bool>,
    opened: Condvar,
    fail: bool,
}

impl Counting {
    pub(crate) fn new() -> Self {
        Counting {
            calls: AtomicUsize::new(0),
            closed: Mutex::new(false),
            opened: Condvar::new(),
            fail: false,
        }
    }

    /// Syntheses wait until [`Counting::open`].
    pub(crate) fn closed() -> Self {
        Counting {
            closed: Mutex::new(true),
            ..Counting::new()
        }
    }

    /// Every synthesis fails (after the gate).
    pub(crate) fn failing(mut self) -> Self {
        self.fail = true;
        self
    }

    pub(crate) fn open(&self) {
        *self.closed.lock().unwrap() = false;
        self.opened.notify_all();
    }

    /// Syntheses started so far.
    pub(crate) fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
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
    fn synthesize(
        &self,
        input: TtsInput<'_>,
        _voice: &Voice,
        _max: Duration,
    ) -> Result<Vec<i16>, MediaError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut closed = self.closed.lock().unwrap();
        while *closed {
            closed = self.opened.wait(closed).unwrap();
        }
        if self.fail {
            return Err(MediaError::TtsFailed {
                engine: "counting",
                status: "exit status: 1".to_owned(),
                stderr: "told to fail".to_owned(),
            });
        }
        let text = match input {
            TtsInput::Text(t) | TtsInput::Ssml(t) => t,
        };
        Ok((0..80 * text.len())
            .map(|n| ((n % 40) as i16 - 20) * 500)
            .collect())
    }
}

/// A renderer speaking with `tts`, over a temporary store whose default spelling files are
/// 400 samples of 1000 and whose default code prompt is 800 samples of -1000.
pub(crate) fn renderer(tts: Arc<dyn Tts>, config: RenderConfig) -> (tempfile::TempDir, Renderer) {
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
    let r = Renderer::new(AudioRoot::new(None, defaults), tts, config);
    (dir, r)
}

/// Writes an executable shell script `name` into `dir`. It is run with an empty
/// environment, so it names every program by its full path.
pub(crate) fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Synthesises with `engine`, retrying while its freshly written script is "text file
/// busy": another test thread's fork can briefly hold the write handle we just closed.
pub(crate) fn synthesize_script(
    engine: &voice_otp_media::EspeakNg,
    text: &str,
    max: Duration,
) -> Result<Vec<i16>, MediaError> {
    for _ in 0..50 {
        match engine.synthesize(TtsInput::Text(text), &Voice::default(), max) {
            Err(MediaError::TtsSpawn { source, .. })
                if source.kind() == std::io::ErrorKind::ExecutableFileBusy =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
    panic!("the test script stayed busy");
}

/// Every file of the checked-in fuzz corpus `fuzz/corpus/<target>/`, with its file name.
pub(crate) fn fuzz_corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Feeds `check` every truncation of `input` within its first `cut_region` bytes and a
/// spread of longer ones, then 200 deterministic one-byte mutations (xorshift, fixed seed)
/// within its first `mutate_region` bytes.
pub(crate) fn mutations(
    input: &[u8],
    cut_region: usize,
    mutate_region: u64,
    mut check: impl FnMut(&[u8]),
) {
    let spread = (cut_region..input.len()).step_by(97);
    for cut in (0..input.len().min(cut_region)).chain(spread) {
        check(&input[..cut]);
    }
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..200 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut m = input.to_vec();
        let at = (x % mutate_region) as usize % m.len();
        m[at] = (x >> 32) as u8;
        check(&m);
    }
}
