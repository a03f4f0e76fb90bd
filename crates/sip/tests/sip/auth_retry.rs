//! Digest auth: 401 and 407 are ACKed and the INVITE re-sent with CSeq+1, a new branch and
//! credentials (MD5 and SHA-256, qop=auth with a nonce count); the same nonce twice fails.
use crate::common::*;
use md5::{Digest as _, Md5};
use sha2::Sha256;
use voice_otp_sip::{FailReason, SipEvent, SipMessage};

fn creds() -> voice_otp_sip::UaConfig {
    let mut c = config();
    c.username = "otpuser".into();
    c.password = "s3cret".into();
    c
}

fn field<'a>(h: &'a str, name: &str) -> &'a str {
    let start = h
        .find(&format!("{name}="))
        .unwrap_or_else(|| panic!("{name} in {h}"))
        + name.len()
        + 1;
    let rest = &h[start..];
    if let Some(r) = rest.strip_prefix('"') {
        &r[..r.find('"').unwrap()]
    } else {
        rest.split([',', ' ']).next().unwrap()
    }
}

fn check_digest(auth: &str, method: &str, sha: bool) {
    let hash = |s: String| {
        if sha {
            hex::encode(Sha256::digest(s.as_bytes()))
        } else {
            hex::encode(Md5::digest(s.as_bytes()))
        }
    };
    let realm = field(auth, "realm");
    let uri = field(auth, "uri");
    let ha1 = hash(format!("otpuser:{realm}:s3cret"));
    let ha2 = hash(format!("{method}:{uri}"));
    let expected = hash(format!(
        "{ha1}:{}:{}:{}:auth:{ha2}",
        field(auth, "nonce"),
        field(auth, "nc"),
        field(auth, "cnonce")
    ));
    assert_eq!(field(auth, "response"), expected, "{auth}");
    assert_eq!(field(auth, "username"), "otpuser");
    assert_eq!(field(auth, "nc"), "00000001");
}

fn challenged(code: u16, header: &str, challenge: &str) -> (Harness, SipMessage, SipMessage) {
    let mut h = Harness::new(creds());
    h.call(request());
    let first = h.sent_one("INVITE");
    h.reply(&first, code, Some("a"), &[(header, challenge)], "");
    let sent = h.sent();
    let kinds: Vec<String> = sent.iter().map(kind).collect();
    assert_eq!(kinds, ["ACK", "INVITE"], "ACK the challenge, then retry");
    assert_eq!(sent[0].top_branch(), first.top_branch());
    let retry = sent[1].clone();
    assert_eq!(retry.cseq(), Some((2, "INVITE")), "CSeq + 1");
    assert_ne!(retry.top_branch(), first.top_branch(), "new branch");
    assert_eq!(retry.call_id(), first.call_id());
    assert_eq!(retry.from_tag(), first.from_tag());
    (h, first, retry)
}

#[test]
fn www_authenticate_md5_qop_auth() {
    let (mut h, _, retry) = challenged(
        401,
        "WWW-Authenticate",
        "Digest realm=\"trunk.example\", nonce=\"n1\", qop=\"auth\", algorithm=MD5, opaque=\"op\"",
    );
    let auth = retry.header("Authorization").expect("Authorization");
    check_digest(auth, "INVITE", false);
    assert_eq!(field(auth, "uri"), "sip:+31612345678@trunk.example");
    assert_eq!(field(auth, "opaque"), "op");
    assert!(auth.contains("algorithm=MD5"));
    // The retried INVITE can be answered normally.
    h.reply(
        &retry,
        200,
        Some("ok"),
        &[("Contact", "<sip:uas@127.0.0.1:5060>")],
        ANSWER_SDP,
    );
    let ack = h.sent_one("ACK");
    assert_eq!(ack.cseq(), Some((2, "ACK")));
    assert!(matches!(h.events()[..], [SipEvent::Answered { .. }]));
}

#[test]
fn proxy_authenticate_sha256() {
    let (_, _, retry) = challenged(
        407,
        "Proxy-Authenticate",
        "Digest realm=\"proxy.example\", nonce=\"n2\", qop=\"auth,auth-int\", algorithm=SHA-256",
    );
    assert!(retry.header("Authorization").is_none());
    let auth = retry
        .header("Proxy-Authorization")
        .expect("Proxy-Authorization");
    check_digest(auth, "INVITE", true);
    assert!(auth.contains("algorithm=SHA-256"));
}

#[test]
fn second_challenge_with_same_nonce_fails() {
    let ch = "Digest realm=\"trunk.example\", nonce=\"same\", qop=\"auth\"";
    let (mut h, _, retry) = challenged(401, "WWW-Authenticate", ch);
    h.reply(&retry, 401, Some("b"), &[("WWW-Authenticate", ch)], "");
    assert_eq!(h.sent_one("ACK").cseq(), Some((2, "ACK")));
    let key = voice_otp_sip::CallKey(1);
    assert_eq!(
        h.events(),
        [SipEvent::Failed {
            key,
            reason: FailReason::AuthFailed { code: 401 }
        }]
    );
}

#[test]
fn stale_nonce_gets_a_new_try() {
    let (mut h, _, retry) = challenged(
        401,
        "WWW-Authenticate",
        "Digest realm=\"r\", nonce=\"n1\", qop=\"auth\"",
    );
    h.reply(
        &retry,
        401,
        Some("b"),
        &[(
            "WWW-Authenticate",
            "Digest realm=\"r\", nonce=\"n2\", stale=true, qop=\"auth\"",
        )],
        "",
    );
    let sent = h.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].cseq(), Some((3, "INVITE")));
    assert!(
        sent[1]
            .header("Authorization")
            .unwrap()
            .contains("nonce=\"n2\"")
    );
}

#[test]
fn challenge_without_credentials_fails() {
    let mut h = Harness::udp();
    let key = h.call(request());
    let inv = h.sent_one("INVITE");
    h.reply(
        &inv,
        407,
        Some("a"),
        &[("Proxy-Authenticate", "Digest realm=\"r\", nonce=\"n\"")],
        "",
    );
    h.sent_one("ACK");
    assert_eq!(
        h.events(),
        [SipEvent::Failed {
            key,
            reason: FailReason::AuthFailed { code: 407 }
        }]
    );
}
