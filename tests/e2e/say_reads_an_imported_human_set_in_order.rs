//! `voice-otp audio import-asterisk` turns Debian's Asterisk recordings (installed by
//! `make`'s scripts/install-deps.sh) into a spelling set, and `voice-otp say` then reads a
//! code with it: every character's imported file, in order, sample for sample, for any
//! region of the language; phonetic letters add the set's spelling-alphabet word. A source
//! lacking a character is refused, naming it, and no set appears.

use std::path::{Path, PathBuf};
use std::process::Command;

use voice_otp_suite::{repo_root, voice_otp_bin};

use crate::say_reads_code_characters_in_order::{assert_in_order, find, read_wav, say_recorded};

const ALLISON: &str = "/usr/share/asterisk/sounds/en_US_f_Allison";

fn import(src: &Path, lang: &str, recorded: &Path) -> std::process::Output {
    Command::new(voice_otp_bin())
        .current_dir(repo_root())
        .args(["audio", "import-asterisk"])
        .arg(src)
        .args(["--lang", lang, "--recorded"])
        .arg(recorded)
        .output()
        .expect("voice-otp runs")
}

/// Imports Allison into `<dir>/voices` as the en-US set, asserting that the import
/// succeeded; returns the recorded-sets folder and the imported set in it.
fn imported_allison(dir: &Path) -> (PathBuf, PathBuf) {
    let recorded = dir.join("voices");
    let o = import(Path::new(ALLISON), "en-US", &recorded);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let set = recorded.join("en-US/female");
    (recorded, set)
}

#[test]
fn every_character_of_an_imported_set_is_read_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (recorded, set) = imported_allison(dir.path());
    // The whole alphabet, so every imported file is played once; read for en-GB, which
    // has no recording of its own and so uses the en-US one.
    let code = "0123456789abcdefghijklmnopqrstuvwxyz";
    let out = dir.path().join("x.wav");
    let samples = say_recorded(code, "en-GB", &[], &recorded, &out);
    let files: Vec<_> = code.chars().map(|c| set.join(format!("{c}.wav"))).collect();
    assert_in_order(&samples, &files, 0);
    // The human recordings, not the shipped synthetic set.
    let shipped = read_wav(&repo_root().join("audio/spelling/en-GB/7.wav"));
    assert!(find(&samples, &shipped, 0).is_none());
    // Prepared like the shipped sets: 8 kHz mono 16-bit (read_wav checks), -20 dBFS RMS.
    for f in &files {
        let s = read_wav(f);
        let ms = s.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / s.len() as f64;
        let db = 10.0 * (ms / (32768.0f64 * 32768.0)).log10();
        assert!((db + 20.0).abs() < 0.5, "{}: {db:.2} dBFS", f.display());
    }
}

#[test]
fn a_source_lacking_a_character_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    // A copy of Allison's digits and letters without `letters/q.wav` and `digits/4.wav`.
    let src = dir.path().join("partial");
    for sub in ["digits", "letters"] {
        std::fs::create_dir_all(src.join(sub)).unwrap();
        for c in "0123456789abcdefghijklmnopqrstuvwxyz".chars() {
            let from = Path::new(ALLISON).join(sub).join(format!("{c}.wav"));
            if from.is_file() && c != 'q' && c != '4' {
                std::fs::copy(&from, src.join(sub).join(format!("{c}.wav"))).unwrap();
            }
        }
    }
    let recorded = dir.path().join("voices");
    let o = import(&src, "en-US", &recorded);
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("lacks digits/4, letters/q"),
        "stderr: {stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(!recorded.join("en-US").exists());
}

#[test]
fn phonetic_letters_add_the_spelling_alphabet_word_after_the_letter() {
    let dir = tempfile::tempdir().unwrap();
    let (recorded, set) = imported_allison(dir.path());
    let out = dir.path().join("x.wav");
    let phonetic = ["--letter-style", "phonetic"];
    let samples = say_recorded("N7W", "en-US", &phonetic, &recorded, &out);
    let files = [
        set.join("n.wav"),
        set.join("phonetic/n.wav"),
        set.join("7.wav"),
        set.join("w.wav"),
        set.join("phonetic/w.wav"),
    ];
    assert_in_order(&samples, &files, 0);
    // The synthesised sets have their words too (German: "N, Nordpol").
    let none = dir.path().join("none");
    let samples = say_recorded("N", "de-DE", &phonetic, &none, &out);
    let sp = repo_root().join("audio/spelling/de-DE");
    let german = [sp.join("n.wav"), sp.join("phonetic/n.wav")];
    assert_in_order(&samples, &german, 0);
}

/// `[audio] letter-style = "by-voice"` (the default) and `say` without `--letter-style`:
/// the human set reads its letters with their words, as measured clearest
/// (docs/intelligibility.md); `name` still reads names only.
#[test]
fn without_a_style_the_human_set_reads_letters_phonetically() {
    let dir = tempfile::tempdir().unwrap();
    let (recorded, set) = imported_allison(dir.path());
    let out = dir.path().join("x.wav");
    let read = |style: &[&str]| say_recorded("M4N", "en-GB", style, &recorded, &out);
    let files = [
        set.join("m.wav"),
        set.join("phonetic/m.wav"),
        set.join("4.wav"),
        set.join("n.wav"),
        set.join("phonetic/n.wav"),
    ];
    assert_in_order(&read(&[]), &files, 0);

    let by_name = read(&["--letter-style", "name"]);
    let names = [set.join("m.wav"), set.join("4.wav"), set.join("n.wav")];
    assert_in_order(&by_name, &names, 0);
    let november = read_wav(&set.join("phonetic/n.wav"));
    assert!(find(&by_name, &november, 0).is_none());
}
