//! HTTP digest authentication for SIP (RFC 3261 22, RFC 2617, RFC 7616 / RFC 8760 SHA-256).

use md5::{Digest as _, Md5};
use sha2::Sha256;

use crate::error::SipError;

/// Digest hash algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// MD5 (the RFC 2617 default).
    Md5,
    /// SHA-256 (RFC 8760).
    Sha256,
}

impl DigestAlgorithm {
    fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Sha256 => "SHA-256",
        }
    }

    fn hash(self, data: &str) -> String {
        match self {
            DigestAlgorithm::Md5 => hex::encode(Md5::digest(data.as_bytes())),
            DigestAlgorithm::Sha256 => hex::encode(Sha256::digest(data.as_bytes())),
        }
    }
}

/// A parsed `WWW-Authenticate` / `Proxy-Authenticate` digest challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Realm to authenticate in.
    pub realm: String,
    /// Server nonce.
    pub nonce: String,
    /// Opaque value to echo back.
    pub opaque: Option<String>,
    /// Hash algorithm.
    pub algorithm: DigestAlgorithm,
    /// Whether `qop=auth` was offered (we never use auth-int).
    pub qop_auth: bool,
}

impl Challenge {
    /// Parses a `Digest ...` challenge value.
    pub fn parse(value: &str) -> Result<Self, SipError> {
        let value = value.trim();
        let (scheme, rest) = value
            .split_once(char::is_whitespace)
            .ok_or(SipError::Challenge("no parameters"))?;
        if !scheme.eq_ignore_ascii_case("Digest") {
            return Err(SipError::Challenge("not a Digest challenge"));
        }
        let (mut realm, mut nonce, mut opaque, mut algorithm, mut qop) =
            (None, None, None, DigestAlgorithm::Md5, None);
        for (k, v) in auth_params(rest)? {
            match k.to_ascii_lowercase().as_str() {
                "realm" => realm = Some(v),
                "nonce" => nonce = Some(v),
                "opaque" => opaque = Some(v),
                "qop" => qop = Some(v),
                "algorithm" => {
                    algorithm = match v.to_ascii_uppercase().as_str() {
                        "MD5" => DigestAlgorithm::Md5,
                        "SHA-256" => DigestAlgorithm::Sha256,
                        _ => return Err(SipError::Challenge("unsupported algorithm")),
                    }
                }
                _ => {}
            }
        }
        let qop_auth = match &qop {
            None => false,
            Some(q) if q.split(',').any(|t| t.trim().eq_ignore_ascii_case("auth")) => true,
            Some(_) => return Err(SipError::Challenge("only qop=auth-int offered")),
        };
        Ok(Challenge {
            realm: realm.ok_or(SipError::Challenge("no realm"))?,
            nonce: nonce.ok_or(SipError::Challenge("no nonce"))?,
            opaque,
            algorithm,
            qop_auth,
        })
    }

    /// Builds the `Authorization` / `Proxy-Authorization` value for one request.
    pub fn authorization(
        &self,
        username: &str,
        password: &str,
        method: &str,
        uri: &str,
        cnonce: &str,
        nonce_count: u32,
    ) -> String {
        let alg = self.algorithm;
        let ha1 = alg.hash(&format!("{username}:{}:{password}", self.realm));
        let ha2 = alg.hash(&format!("{method}:{uri}"));
        let mut out = format!(
            "Digest username=\"{username}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\"",
            self.realm, self.nonce
        );
        let response = if self.qop_auth {
            let nc = format!("{nonce_count:08x}");
            let r = alg.hash(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce));
            out.push_str(&format!(
                ", response=\"{r}\", algorithm={}, cnonce=\"{cnonce}\", qop=auth, nc={nc}",
                alg.name()
            ));
            r
        } else {
            let r = alg.hash(&format!("{ha1}:{}:{ha2}", self.nonce));
            out.push_str(&format!(", response=\"{r}\", algorithm={}", alg.name()));
            r
        };
        let _ = response;
        if let Some(o) = &self.opaque {
            out.push_str(&format!(", opaque=\"{o}\""));
        }
        out
    }
}

/// Splits `k=v, k="v, w", ...` into pairs.
fn auth_params(s: &str) -> Result<Vec<(String, String)>, SipError> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i] == b',' || b[i].is_ascii_whitespace()) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let ks = i;
        while i < b.len() && b[i] != b'=' && b[i] != b',' {
            i += 1;
        }
        let key = s[ks..i].trim().to_owned();
        if i >= b.len() || b[i] != b'=' {
            return Err(SipError::Challenge("parameter without value"));
        }
        i += 1;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let value = if i < b.len() && b[i] == b'"' {
            i += 1;
            let mut v = String::new();
            loop {
                match b.get(i) {
                    None => return Err(SipError::Challenge("unterminated quote")),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') if i + 1 < b.len() && b[i + 1].is_ascii() => {
                        v.push(b[i + 1] as char);
                        i += 2;
                    }
                    Some(_) => {
                        // Multi-byte UTF-8 is copied as a whole character.
                        let ch = s
                            .get(i..)
                            .and_then(|r| r.chars().next())
                            .ok_or(SipError::Challenge("bad escape"))?;
                        v.push(ch);
                        i += ch.len_utf8();
                    }
                }
            }
            v
        } else {
            let vs = i;
            while i < b.len() && b[i] != b',' {
                i += 1;
            }
            s[vs..i].trim().to_owned()
        };
        if key.is_empty() {
            return Err(SipError::Challenge("empty parameter name"));
        }
        out.push((key, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2617 3.5 example, adapted: the response value is a known answer.
    #[test]
    fn rfc2617_example_response() {
        let c = Challenge::parse(
            "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
             nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", \
             opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
        )
        .unwrap();
        let v = c.authorization(
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            "0a4f113b",
            1,
        );
        assert!(
            v.contains("response=\"6629fae49393a05397450978507c4ef1\""),
            "{v}"
        );
        assert!(v.contains("nc=00000001"));
    }

    /// RFC 7616 3.9.1 SHA-256 example.
    #[test]
    fn rfc7616_sha256_response() {
        let c = Challenge::parse(
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
             algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
             opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
        )
        .unwrap();
        let v = c.authorization(
            "Mufasa",
            "Circle of Life",
            "GET",
            "/dir/index.html",
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            1,
        );
        assert!(
            v.contains(
                "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""
            ),
            "{v}"
        );
    }

    #[test]
    fn escapes_and_non_ascii_never_panic() {
        for v in [
            "Digest realm=\"a\\\u{e9}b\", nonce=\"n\"",
            "Digest realm=\"\u{e9}\u{e9}\", nonce=\"\\\"\"",
            "Digest realm=\"x\\",
        ] {
            let _ = Challenge::parse(v);
        }
        let c = Challenge::parse("Digest realm=\"a\\\"b\", nonce=\"n\"").unwrap();
        assert_eq!(c.realm, "a\"b");
    }

    #[test]
    fn garbage_is_an_error() {
        for g in [
            "",
            "Digest",
            "Basic realm=x",
            "Digest realm=\"x",
            "Digest =x",
            "Digest nonce=1",
        ] {
            assert!(Challenge::parse(g).is_err(), "{g}");
        }
    }
}
