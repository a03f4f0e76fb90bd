//! The one-time password as a value that wipes itself.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The one-time password to read. Its `Debug` and `Display` never show the characters, so
/// a stray `{:?}` cannot put the code into a log line, a CDR or an error message; and its
/// memory is overwritten with zeros when the last copy is dropped (every clone wipes its
/// own), so the code does not linger in freed heap or in a core dump once the request and
/// the calls that read it are done.
#[derive(Clone, PartialEq, Eq)]
pub struct OtpCode(Zeroizing<String>);

impl OtpCode {
    /// Wraps a code that the API has already validated (1 to 64 of `[0-9A-Za-z]`).
    pub fn new(code: impl Into<String>) -> Self {
        OtpCode(Zeroizing::new(code.into()))
    }

    /// The characters, for validation and the renderer only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpCode(<redacted>)")
    }
}

impl fmt::Display for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Zeroize for OtpCode {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

/// Serialized only into a sealed call spec, whose plaintext buffer wipes itself.
impl serde::Serialize for OtpCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

/// The deserialized `String` moves into the wiping wrapper without a copy.
impl<'de> serde::Deserialize<'de> for OtpCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(OtpCode::new)
    }
}

/// The inner `Zeroizing<String>` wipes on drop.
impl ZeroizeOnDrop for OtpCode {}
