//! Replays the SSML filter's fuzz corpus (`fuzz/corpus/ssml/`) and mutations of it: every
//! input gets `Ok` or a typed refusal, never a panic, and the corpus's well-formed,
//! allowed documents are accepted while its attacks are refused.

use voice_otp_media::{check_ssml, check_tts_text};

use crate::common::{fuzz_corpus, mutations};

/// The corpus files that are allowed SSML; every other one is an attack.
const ALLOWED: &[&str] = &["declared.xml", "every_element.xml", "plain.xml"];

#[test]
fn corpus_and_its_mutations_never_panic() {
    let files = fuzz_corpus("ssml");
    assert!(files.len() >= 8, "corpus has {} files", files.len());
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        let verdict = check_ssml(&text);
        assert_eq!(
            verdict.is_ok(),
            ALLOWED.contains(&name.as_str()),
            "{name}: {verdict:?}"
        );
        mutations(bytes, 256, bytes.len() as u64, |m| {
            let text = String::from_utf8_lossy(m);
            // What the filter lets through is also clean plain text.
            if check_ssml(&text).is_ok() {
                assert!(check_tts_text(&text).is_ok(), "{text:?}");
            }
        });
    }
}
