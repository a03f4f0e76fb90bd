//! What the `sip_digest` fuzz target does with one input, shared with the corpus replay test
//! in `crates/sip/tests/sip/fuzz_corpus_replay.rs`: a WWW-/Proxy-Authenticate value from the
//! far end is parsed, and a usable challenge is answered.

use voice_otp_sip::Challenge;

/// Parses `data` as a challenge and, if it is one, builds the credentials for it.
pub(crate) fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(challenge) = Challenge::parse(text) else {
        return;
    };
    for nc in [1, u32::MAX] {
        let value = challenge.authorization("user", "secret", "INVITE", "sip:a@b", "cn0", nc);
        assert!(value.starts_with("Digest "), "{value}");
        assert!(value.contains("response=\""), "{value}");
    }
}
