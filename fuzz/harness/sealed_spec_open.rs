//! What the `sealed_spec_open` fuzz target does with one input, shared with the corpus
//! replay test in `crates/daemon/tests/daemon/fuzz_corpus_no_panic.rs`: a sealed call spec
//! read from the shared PostgreSQL queue is opened under a fixed fuzz secret. The corpus
//! holds specs really sealed under that secret (so the decoder behind the tag is reached),
//! moved, re-versioned and truncated ones.

use voice_otp_daemon::cluster::sealed::{ClusterSecret, SealError, SealKey};

/// The secret the corpus was sealed under.
pub(crate) const SECRET: &str = "voice-otp fuzz secret, not for production use";
/// The call id the corpus was sealed for.
pub(crate) const CALL_ID: &str = "00000000-0000-4000-8000-000000000000";

/// Opens `data`; an opened spec must belong to the call it was opened for. The error says
/// why it did not open.
pub(crate) fn run(key: &SealKey, data: &[u8]) -> Result<(), SealError> {
    let spec = key.open(CALL_ID, data)?;
    assert_eq!(spec.call_id, CALL_ID);
    Ok(())
}

/// The key of [`SECRET`].
pub(crate) fn key() -> SealKey {
    SealKey::derive(&ClusterSecret::new(SECRET).expect("the fuzz secret is long enough"))
}
