//! Sealed call specs: a [`CallSpec`] (code included) serialized and sealed with
//! ChaCha20-Poly1305 under a key derived (HKDF-SHA256) from `[cluster] secret`, so that a
//! call waiting in a shared PostgreSQL queue can be placed by any node while anyone who can
//! only read the database (a backup, a replica, a read-only role, a leaked dump) learns
//! neither the code nor the callee's prompts.
//!
//! Layout of a sealed spec: `version (1) || nonce (12) || ciphertext || tag (16)`. The nonce
//! is random per seal; the call id is the associated data, so a sealed spec copied into
//! another call's row does not open. The plaintext (JSON) only ever lives in buffers that
//! are wiped when dropped, including the ones left behind when a buffer grows.

use std::fmt;
use std::io;

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce, Tag};
use hkdf::Hkdf;
use sha2::Sha256;
use voice_otp_call::CallSpec;
use zeroize::Zeroizing;

/// The fewest characters `[cluster] secret` may have: with 32 characters even a secret of
/// lowercase words carries well over 128 bits.
pub const MIN_SECRET_CHARS: usize = 32;

/// The placeholder of `voice-otp.example.toml`, refused so a copied example cannot run a
/// cluster under a key that is printed in the repository.
pub const EXAMPLE_PLACEHOLDER: &str = "replace-me-with-at-least-32-random-characters";

/// The most bytes [`SealKey::open`] accepts: a spec is a few kilobytes at most (prompts are
/// bounded by the request validator), so anything far larger is not ours.
pub const MAX_SEALED_LEN: usize = 1 << 20;

/// First byte of a sealed spec; a new layout or key schedule gets a new one.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + NONCE_LEN;
/// HKDF salt and info: bind the key to this use, so the same secret reused elsewhere (it
/// should not be) does not give the same key.
const HKDF_SALT: &[u8] = b"voice-otp cluster v1";
const HKDF_INFO: &[u8] = b"sealed call spec";

/// Why a spec could not be sealed or opened. Opening errors say nothing about the content.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// The spec could not be serialized.
    #[error("call spec could not be serialized")]
    Encode,
    /// Shorter than a header and a tag, or longer than [`MAX_SEALED_LEN`].
    #[error("sealed call spec has an impossible length")]
    Length,
    /// The first byte names a layout this build does not know.
    #[error("sealed call spec has an unknown version")]
    Version,
    /// The tag did not verify: tampered, sealed under another secret, or for another call.
    #[error("sealed call spec could not be authenticated")]
    Authentication,
    /// Authentic, but not a call spec of this build (or of another call id).
    #[error("sealed call spec could not be decoded")]
    Decode,
}

/// `[cluster] secret`: the shared secret of every node of a cluster. Wiped on drop, never
/// shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClusterSecret(Zeroizing<String>);

impl ClusterSecret {
    /// Checks a configured secret: at least [`MIN_SECRET_CHARS`] characters, no control
    /// characters, not the example's placeholder.
    pub fn new(secret: &str) -> Result<Self, &'static str> {
        if secret.chars().count() < MIN_SECRET_CHARS || secret.chars().any(char::is_control) {
            return Err("at least 32 printable characters");
        }
        if secret == EXAMPLE_PLACEHOLDER {
            return Err("a secret of your own, not the example's placeholder");
        }
        Ok(ClusterSecret(Zeroizing::new(secret.to_owned())))
    }
}

impl fmt::Debug for ClusterSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClusterSecret(<redacted>)")
    }
}

/// The sealing key derived from a [`ClusterSecret`]; wiped on drop.
#[derive(Clone)]
pub struct SealKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealKey(<redacted>)")
    }
}

impl SealKey {
    /// Derives the key with HKDF-SHA256 (fixed salt and info).
    pub fn derive(secret: &ClusterSecret) -> SealKey {
        let mut key = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(Some(HKDF_SALT), secret.0.as_bytes())
            .expand(HKDF_INFO, &mut key[..])
            // HKDF-SHA256 gives up to 255 * 32 bytes; 32 is always fine.
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        SealKey(key)
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.0[..]))
    }

    /// Seals `spec` under a fresh random nonce, with its call id as associated data.
    pub fn seal(&self, spec: &CallSpec) -> Result<Vec<u8>, SealError> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let mut buf = WipingBuf::with_capacity(2048);
        buf.0.push(VERSION);
        buf.0.extend_from_slice(&nonce);
        serde_json::to_writer(&mut buf, spec).map_err(|_| SealError::Encode)?;
        // In place: the plaintext bytes become the ciphertext, no second copy is made.
        let tag = self
            .cipher()
            .encrypt_in_place_detached(
                Nonce::from_slice(&nonce),
                spec.call_id.as_bytes(),
                &mut buf.0[HEADER_LEN..],
            )
            .map_err(|_| SealError::Encode)?;
        buf.0.extend_from_slice(&tag);
        // Only ciphertext is left in the buffer: it may leave without being wiped.
        Ok(std::mem::take(&mut *buf.0))
    }

    /// Opens a spec sealed for `call_id`. Any failure is an error, never a panic.
    pub fn open(&self, call_id: &str, sealed: &[u8]) -> Result<CallSpec, SealError> {
        if sealed.len() < HEADER_LEN + TAG_LEN || sealed.len() > MAX_SEALED_LEN {
            return Err(SealError::Length);
        }
        if sealed[0] != VERSION {
            return Err(SealError::Version);
        }
        let nonce = Nonce::from_slice(&sealed[1..HEADER_LEN]);
        let (body, tag) = sealed[HEADER_LEN..].split_at(sealed.len() - HEADER_LEN - TAG_LEN);
        let mut plain = Zeroizing::new(body.to_vec());
        self.cipher()
            .decrypt_in_place_detached(nonce, call_id.as_bytes(), &mut plain, Tag::from_slice(tag))
            .map_err(|_| SealError::Authentication)?;
        let spec: CallSpec = serde_json::from_slice(&plain).map_err(|_| SealError::Decode)?;
        if spec.call_id != call_id {
            return Err(SealError::Decode);
        }
        Ok(spec)
    }
}

/// A byte buffer that wipes itself, and wipes its old allocation when it grows (a plain
/// `Vec` would leave a copy of the plaintext in the freed block).
struct WipingBuf(Zeroizing<Vec<u8>>);

impl WipingBuf {
    fn with_capacity(capacity: usize) -> Self {
        WipingBuf(Zeroizing::new(Vec::with_capacity(capacity)))
    }
}

impl io::Write for WipingBuf {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let needed = self.0.len() + data.len();
        if needed > self.0.capacity() {
            let mut grown = Zeroizing::new(Vec::with_capacity(needed.max(2 * self.0.capacity())));
            grown.extend_from_slice(&self.0);
            // The old buffer is wiped (whole capacity) as it drops here.
            self.0 = grown;
        }
        self.0.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
