//! SDES (RFC 4568): SRTP master keys carried in SDP `a=crypto` lines.
//!
//! The key of a stream is its one secret: it is drawn from the operating system's CSPRNG
//! for every call, lives in a buffer that is zeroized when dropped, and never shows in a
//! `Debug` print (the SDP text that carries it is the only place it is written).

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::TryRngCore;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use crate::error::SipError;

/// Bytes of an SDES master key and salt together (128-bit key, 112-bit salt).
pub const SDES_KEY_LEN: usize = 30;

/// `[rtp] srtp`: whether calls offer SRTP, and whether they insist on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SrtpPolicy {
    /// Plain `RTP/AVP` only (trunks without SRTP keep working).
    #[default]
    Off,
    /// Offer `RTP/SAVP`; a far end that answers `RTP/AVP` gets plain RTP.
    Optional,
    /// Offer `RTP/SAVP`; an answer without SRTP fails the call.
    Required,
}

impl SrtpPolicy {
    /// The configuration name: `"off"`, `"optional"` or `"required"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SrtpPolicy::Off => "off",
            SrtpPolicy::Optional => "optional",
            SrtpPolicy::Required => "required",
        }
    }
}

impl FromStr for SrtpPolicy {
    type Err = SipError;

    fn from_str(s: &str) -> Result<Self, SipError> {
        match s.trim() {
            "off" => Ok(SrtpPolicy::Off),
            "optional" => Ok(SrtpPolicy::Optional),
            "required" => Ok(SrtpPolicy::Required),
            _ => Err(SipError::SrtpPolicy(s.to_owned())),
        }
    }
}

/// An SRTP crypto suite we offer and accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CryptoSuite {
    /// `AES_CM_128_HMAC_SHA1_80`, our first choice.
    Aes128CmHmacSha1_80,
    /// `AES_CM_128_HMAC_SHA1_32`, the second.
    Aes128CmHmacSha1_32,
}

impl CryptoSuite {
    /// The suites in our order of preference.
    pub const ALL: [CryptoSuite; 2] = [
        CryptoSuite::Aes128CmHmacSha1_80,
        CryptoSuite::Aes128CmHmacSha1_32,
    ];

    /// The name in `a=crypto`.
    pub fn name(self) -> &'static str {
        match self {
            CryptoSuite::Aes128CmHmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            CryptoSuite::Aes128CmHmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
        }
    }

    /// The suite of an `a=crypto` name, `None` for one we do not support.
    pub fn from_name(name: &str) -> Option<CryptoSuite> {
        CryptoSuite::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// An SRTP master key and salt (30 bytes), zeroized when dropped; `Debug` prints no byte.
#[derive(Clone, PartialEq, Eq)]
pub struct SdesKey(Zeroizing<[u8; SDES_KEY_LEN]>);

impl SdesKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn random() -> Result<SdesKey, SipError> {
        let mut key = Zeroizing::new([0u8; SDES_KEY_LEN]);
        OsRng
            .try_fill_bytes(&mut key[..])
            .map_err(|_| SipError::Random)?;
        Ok(SdesKey(key))
    }

    /// A key from its 30 bytes (tests, and the far end's decoded key).
    pub fn from_bytes(bytes: [u8; SDES_KEY_LEN]) -> SdesKey {
        SdesKey(Zeroizing::new(bytes))
    }

    /// The key and salt, for the SRTP contexts.
    pub fn as_bytes(&self) -> &[u8; SDES_KEY_LEN] {
        &self.0
    }

    /// Decodes the base64 of an `inline:` key parameter (exactly 30 bytes).
    fn from_base64(text: &str) -> Option<SdesKey> {
        // 30 bytes are 40 base64 characters: anything longer is not a key of our suites.
        if text.len() != 40 {
            return None;
        }
        let mut key = Zeroizing::new([0u8; SDES_KEY_LEN]);
        let n = STANDARD.decode_slice(text, &mut key[..]).ok()?;
        (n == SDES_KEY_LEN).then_some(SdesKey(key))
    }

    fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(&self.0[..]))
    }
}

impl fmt::Debug for SdesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SdesKey(<redacted>)")
    }
}

/// One `a=crypto:<tag> <suite> inline:<key>` line of a suite we support.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CryptoAttribute {
    /// The tag that the answer repeats for the line it accepts.
    pub tag: u32,
    /// The crypto suite.
    pub suite: CryptoSuite,
    /// The sender's master key and salt.
    pub key: SdesKey,
}

impl CryptoAttribute {
    /// Parses the value of an `a=crypto:` attribute (without `crypto:`). `Ok(None)` for a
    /// suite we do not support or key parameters we cannot use (an MKI, more than one key,
    /// a key lifetime below 2^31 packets): such a line is kept as an unknown attribute.
    pub fn parse(value: &str) -> Result<Option<CryptoAttribute>, SipError> {
        let mut fields = value.split_whitespace();
        let (Some(tag), Some(suite), Some(key_params)) =
            (fields.next(), fields.next(), fields.next())
        else {
            return Err(SipError::Sdp("bad crypto line"));
        };
        let tag = tag.parse().map_err(|_| SipError::Sdp("bad crypto tag"))?;
        let Some(suite) = CryptoSuite::from_name(suite) else {
            return Ok(None);
        };
        let Some(inline) = key_params.strip_prefix("inline:") else {
            return Ok(None);
        };
        // inline:<key||salt>[|<lifetime>][|<MKI>:<length>]; only a lifetime of 2^31 or
        // more (what SRTP allows anyway) is usable without rekeying.
        let mut parts = inline.split('|');
        let key = parts.next().and_then(SdesKey::from_base64);
        let lifetime_ok =
            |l: &str| matches!(l, "2^31" | "2^48") || l.parse::<u64>().is_ok_and(|n| n >= 1 << 31);
        let rest: Vec<&str> = parts.collect();
        let usable = match rest.as_slice() {
            [] => true,
            [l] => lifetime_ok(l),
            _ => false,
        };
        Ok(key
            .filter(|_| usable && !key_params.contains(';'))
            .map(|key| CryptoAttribute { tag, suite, key }))
    }

    /// The attribute value as written after `a=` (the key in clear: only for the SDP).
    pub fn to_attribute(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "crypto:{} {} inline:{}",
            self.tag,
            self.suite.name(),
            self.key.to_base64().as_str()
        ))
    }
}

/// What a call offers for SRTP: one line per suite, each with its own fresh key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrtpOffer {
    /// An answer without SRTP fails the call (`[rtp] srtp = "required"`); otherwise it
    /// may fall back to plain RTP when the far end answers `RTP/AVP`.
    pub required: bool,
    /// The `a=crypto` lines of the offer.
    pub crypto: Vec<CryptoAttribute>,
}

impl SrtpOffer {
    /// An offer for `policy` with fresh keys (`None` for [`SrtpPolicy::Off`]).
    pub fn generate(policy: SrtpPolicy) -> Result<Option<SrtpOffer>, SipError> {
        if policy == SrtpPolicy::Off {
            return Ok(None);
        }
        let crypto = CryptoSuite::ALL
            .into_iter()
            .zip(1..)
            .map(|(suite, tag)| {
                Ok(CryptoAttribute {
                    tag,
                    suite,
                    key: SdesKey::random()?,
                })
            })
            .collect::<Result<_, SipError>>()?;
        Ok(Some(SrtpOffer {
            required: policy == SrtpPolicy::Required,
            crypto,
        }))
    }
}

/// The SRTP both ends agreed on: the suite, our key (what we send) and theirs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NegotiatedSrtp {
    /// The crypto suite of the accepted line.
    pub suite: CryptoSuite,
    /// Our master key: protects what we send.
    pub local: SdesKey,
    /// The far end's master key: unprotects what it sends.
    pub remote: SdesKey,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_round_trip_and_unknown_ones_are_refused() {
        for p in [SrtpPolicy::Off, SrtpPolicy::Optional, SrtpPolicy::Required] {
            assert_eq!(p.as_str().parse::<SrtpPolicy>().unwrap(), p);
        }
        assert!("on".parse::<SrtpPolicy>().is_err());
    }

    #[test]
    fn keys_are_fresh_and_never_printed() {
        let a = SdesKey::random().unwrap();
        let b = SdesKey::random().unwrap();
        assert_ne!(a, b);
        let printed = format!(
            "{a:?} {:?}",
            CryptoAttribute {
                tag: 1,
                suite: CryptoSuite::Aes128CmHmacSha1_80,
                key: a.clone(),
            }
        );
        assert!(!printed.contains(a.to_base64().as_str()), "{printed}");
        assert!(printed.contains("redacted"));
    }

    #[test]
    fn crypto_lines_parse_print_and_skip_what_we_cannot_use() {
        // RFC 4568 section 9.1's example key.
        let line =
            "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4";
        assert_eq!(
            CryptoAttribute::parse(line).unwrap(),
            None,
            "MKI and a short lifetime"
        );
        let line = "2 AES_CM_128_HMAC_SHA1_32 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
        let c = CryptoAttribute::parse(line).unwrap().unwrap();
        assert_eq!((c.tag, c.suite), (2, CryptoSuite::Aes128CmHmacSha1_32));
        assert_eq!(c.to_attribute().as_str(), format!("crypto:{line}"));
        let lifetime =
            "3 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^31";
        assert!(CryptoAttribute::parse(lifetime).unwrap().is_some());
        assert_eq!(
            CryptoAttribute::parse(
                "1 F8_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
            )
            .unwrap(),
            None
        );
        assert!(
            CryptoAttribute::parse("1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=")
                .unwrap()
                .is_none()
        );
        assert!(CryptoAttribute::parse("x AES_CM_128_HMAC_SHA1_80 inline:a").is_err());
        assert!(CryptoAttribute::parse("1").is_err());
    }

    #[test]
    fn an_offer_has_both_suites_with_distinct_keys() {
        assert_eq!(SrtpOffer::generate(SrtpPolicy::Off).unwrap(), None);
        let offer = SrtpOffer::generate(SrtpPolicy::Required).unwrap().unwrap();
        assert!(offer.required);
        let suites: Vec<_> = offer.crypto.iter().map(|c| (c.tag, c.suite)).collect();
        assert_eq!(
            suites,
            [
                (1, CryptoSuite::Aes128CmHmacSha1_80),
                (2, CryptoSuite::Aes128CmHmacSha1_32)
            ]
        );
        assert_ne!(offer.crypto[0].key, offer.crypto[1].key);
        let again = SrtpOffer::generate(SrtpPolicy::Optional).unwrap().unwrap();
        assert!(!again.required);
        assert_ne!(again.crypto[0].key, offer.crypto[0].key);
    }
}
