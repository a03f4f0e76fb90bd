//! The request validator, the config parser and the opener of sealed call specs return
//! (never panic) on every file of their fuzz corpora (`fuzz/corpus/otp_request`,
//! `fuzz/corpus/config_toml`, `fuzz/corpus/sealed_spec_open`) and on truncations and byte
//! mutations of them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use voice_otp_call::CallKind;
use voice_otp_daemon::config::AudioConfig;
use voice_otp_daemon::{Config, check_instruction_body};

#[path = "../../../../fuzz/harness/sealed_spec_open.rs"]
mod sealed_harness;

fn corpus(name: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(name);
    let mut files: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(files.len() >= 3, "corpus {name} too small");
    files.sort();
    files
}

/// Every truncation and a deterministic set of single-byte mutations.
fn variants(input: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![input.to_vec()];
    let step = (input.len() / 64).max(1);
    for cut in (0..input.len()).step_by(step) {
        out.push(input[..cut].to_vec());
    }
    let mut seed = 0x9e37_79b9_u32;
    for _ in 0..200 {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        if input.is_empty() {
            break;
        }
        let mut m = input.to_vec();
        let at = seed as usize % m.len();
        m[at] = match seed >> 24 & 3 {
            0 => b'"',
            1 => b'{',
            2 => 0xff,
            _ => (seed >> 8) as u8,
        };
        out.push(m);
    }
    out
}

#[test]
fn request_validator_never_panics() {
    let audio = AudioConfig {
        dir: "/nonexistent/voice-otp-test/audio".into(),
        defaults: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../audio"),
        ..Config::default().audio
    };
    let mut accepted = 0;
    for input in corpus("otp_request") {
        for v in variants(&input) {
            for kind in [CallKind::Otp, CallKind::Notification, CallKind::Dtmf] {
                if check_instruction_body(kind, &v, &audio).is_ok() {
                    accepted += 1;
                }
            }
        }
    }
    // The unmutated valid requests are accepted: the validator was really exercised.
    assert!(accepted >= 2, "only {accepted} inputs accepted");
}

#[test]
fn config_parser_never_panics_and_errors_are_one_line() {
    for input in corpus("config_toml") {
        for v in variants(&input) {
            let Ok(text) = std::str::from_utf8(&v) else {
                continue;
            };
            if let Err(e) = Config::from_sources(Some(text), &BTreeMap::new()) {
                assert!(!e.to_string().contains('\n'), "{e}");
            }
        }
    }
}

#[test]
fn sealed_spec_opener_never_panics_and_opens_only_authentic_specs() {
    let key = sealed_harness::key();
    let mut opened = 0;
    let mut mutants_opened = 0;
    for input in corpus("sealed_spec_open") {
        if sealed_harness::run(&key, &input).is_ok() {
            opened += 1;
        }
        for v in variants(&input).into_iter().skip(1) {
            if v != input && sealed_harness::run(&key, &v).is_ok() {
                mutants_opened += 1;
            }
        }
    }
    // The corpus's really sealed specs open: the decoder behind the tag was exercised.
    assert!(opened >= 4, "only {opened} corpus specs opened");
    // No truncation or flipped byte gets past the tag.
    assert_eq!(mutants_opened, 0);
}
