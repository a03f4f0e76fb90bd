//! `voice-otp say` writes what a call streams for one reading: the shipped (or, with
//! Custom, the user's) spelling files of the code's characters, in order, sample for
//! sample; a Custom character without a file fails and names the file.

use std::path::{Path, PathBuf};
use std::process::Command;

use voice_otp_suite::{repo_root, voice_otp_bin};

pub(crate) fn read_wav(path: &Path) -> Vec<i16> {
    let mut r = hound::WavReader::open(path).expect("output is a WAV");
    let spec = r.spec();
    assert_eq!(spec.sample_rate, 8000);
    assert_eq!(spec.channels, 1);
    assert_eq!(spec.bits_per_sample, 16);
    assert_eq!(spec.sample_format, hound::SampleFormat::Int);
    r.samples::<i16>().map(Result::unwrap).collect()
}

/// Where `needle` occurs in `hay`, searching from `from`.
pub(crate) fn find(hay: &[i16], needle: &[i16], from: usize) -> Option<usize> {
    assert!(!needle.is_empty());
    (from..=hay.len().saturating_sub(needle.len())).find(|&i| hay[i..i + needle.len()] == *needle)
}

/// Asserts that the files appear whole and in this order, after `start`.
pub(crate) fn assert_in_order(out: &[i16], files: &[impl AsRef<Path>], start: usize) {
    let mut at = start;
    for f in files {
        let f = f.as_ref();
        let s = read_wav(f);
        let pos = find(out, &s, at)
            .unwrap_or_else(|| panic!("{} not found after sample {at}", f.display()));
        at = pos + s.len();
    }
}

pub(crate) fn say(args: &[&str], out: &Path) -> std::process::Output {
    Command::new(voice_otp_bin())
        .current_dir(repo_root())
        .arg("say")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .expect("voice-otp runs")
}

/// Runs `voice-otp say` with `args`, asserts that it succeeded and returns the samples it
/// wrote to `out`.
pub(crate) fn say_ok(args: &[&str], out: &Path) -> Vec<i16> {
    let o = say(args, out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    read_wav(out)
}

/// [`say_ok`] reading `code` in `lang` with the recorded sets in `recorded` (a folder
/// without any reads the shipped sets), `extra` arguments before `--recorded`.
pub(crate) fn say_recorded(
    code: &str,
    lang: &str,
    extra: &[&str],
    recorded: &Path,
    out: &Path,
) -> Vec<i16> {
    let mut args = vec!["--code", code, "--lang", lang];
    args.extend_from_slice(extra);
    args.extend(["--recorded", recorded.to_str().unwrap()]);
    say_ok(&args, out)
}

fn tone(path: &Path, hz: f64, ms: usize) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for n in 0..ms * 8 {
        let v = (2.0 * std::f64::consts::PI * hz * n as f64 / 8000.0).sin() * 8000.0;
        w.write_sample(v as i16).unwrap();
    }
    w.finalize().unwrap();
}

/// `say`'s arguments reading `code` with `--code-type <code_type>` and the user's files in
/// `store` (`--audio-dir`), `extra` arguments after the code.
fn custom_args<'a>(
    code: &'a str,
    extra: &[&'a str],
    code_type: &'a str,
    store: &'a Path,
) -> Vec<&'a str> {
    let mut args = vec!["--code", code];
    args.extend_from_slice(extra);
    args.extend([
        "--code-type",
        code_type,
        "--audio-dir",
        store.to_str().unwrap(),
    ]);
    args
}

/// A Custom audio store at `<dir>/store` whose en-GB spelling set holds a tone for each
/// `(file name, Hz, ms)`; returns the store and its `spelling/en-GB` folder.
fn custom_store(dir: &Path, tones: &[(&str, f64, usize)]) -> (PathBuf, PathBuf) {
    let store = dir.join("store");
    let sp = store.join("spelling/en-GB");
    std::fs::create_dir_all(&sp).unwrap();
    for &(file, hz, ms) in tones {
        tone(&sp.join(file), hz, ms);
    }
    (store, sp)
}

#[test]
fn default_code_type_reads_the_shipped_files_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.wav");
    // No recorded sets (`make` imports them into ./data/voices): the shipped ones.
    let none = dir.path().join("none");
    let samples = say_recorded("7A3", "en-GB", &[], &none, &out);
    let audio = repo_root().join("audio");
    // No code prompt was asked for, so the reading starts with the first character.
    let sp = audio.join("spelling/en-GB");
    let seven = read_wav(&sp.join("7.wav"));
    assert_eq!(&samples[..seven.len()], &seven[..]);
    assert_in_order(
        &samples,
        &[&sp.join("7.wav"), &sp.join("a.wav"), &sp.join("3.wav")],
        0,
    );
    // And nothing else but pauses: 3 files + 2 character gaps of 300 ms.
    let chars: usize = ["7", "a", "3"]
        .iter()
        .map(|c| read_wav(&sp.join(format!("{c}.wav"))).len())
        .sum();
    assert_eq!(samples.len(), chars + 2 * 300 * 8);
}

#[test]
fn custom_code_type_reads_the_users_files_in_order() {
    let dir = tempfile::tempdir().unwrap();
    // `A.wav`: an upper-case file name, as lookup is case-insensitive.
    let (store, sp) = custom_store(
        dir.path(),
        &[
            ("7.wav", 440.0, 200),
            ("A.wav", 660.0, 250),
            ("3.wav", 880.0, 300),
        ],
    );
    let out = dir.path().join("x.wav");
    let args = custom_args("7a3", &["--lang", "en-GB"], "Custom", &store);
    let samples = say_ok(&args, &out);
    assert_in_order(
        &samples,
        &[&sp.join("7.wav"), &sp.join("A.wav"), &sp.join("3.wav")],
        0,
    );
    // The shipped set is not used.
    let shipped = read_wav(&repo_root().join("audio/spelling/en-GB/7.wav"));
    assert!(find(&samples, &shipped, 0).is_none());
}

#[test]
fn custom_character_without_a_file_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = custom_store(dir.path(), &[("7.wav", 440.0, 200), ("3.wav", 880.0, 300)]);
    let out = dir.path().join("x.wav");
    let o = say(&custom_args("7A3", &[], "custom", &store), &out);
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("/spelling/en-GB/a.wav"), "stderr: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(!out.exists());
}

#[test]
fn an_intro_comes_first_then_the_reading_in_the_chosen_language() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.wav");
    let samples = say_ok(
        &[
            "--code",
            "12",
            "--lang",
            "de-DE",
            "--intro",
            "Guten Tag",
            "--code-prompt-file",
            "/prompts/de-DE/code.wav",
        ],
        &out,
    );
    let audio = repo_root().join("audio");
    let prompt = read_wav(&audio.join("prompts/de-DE/code.wav"));
    let at = find(&samples, &prompt, 0).expect("German code prompt");
    // The spoken intro precedes it.
    assert!(at > 4000, "intro is only {at} samples");
    assert!(samples[..at].iter().any(|&s| s.unsigned_abs() > 3000));
    let sp = audio.join("spelling/de-DE");
    assert_in_order(
        &samples,
        &[&sp.join("1.wav"), &sp.join("2.wav")],
        at + prompt.len(),
    );
}
