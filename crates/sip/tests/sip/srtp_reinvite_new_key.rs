//! A re-INVITE from the far end inside an SRTP call (RFC 4568 section 7.1.4), in virtual
//! time: a new `a=crypto` key is taken (the media update carries it as the far end's key;
//! ours stays) and the 200 answers with the one line accepted (their tag, our suite and key,
//! the next `o=` version); the same key again changes nothing; an offer in clear, or
//! without the suite in use, gets 488 and leaves the keys as they were.

use crate::common::*;
use voice_otp_sip::{
    CryptoSuite, MediaOffer, SessionDescription, SipEvent, SipMessage, SrtpOffer, SrtpPolicy,
};

const OLD: &str = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
const NEW: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw";

/// An SRTP call answered with tag 1 (`_80`) and the key `OLD`; returns the harness, our
/// INVITE and our offer.
fn srtp_call() -> (Harness, SipMessage, SrtpOffer) {
    let mut h = Harness::udp();
    let offer = SrtpOffer::generate(SrtpPolicy::Required).unwrap().unwrap();
    let mut req = request();
    req.media = MediaOffer {
        srtp: Some(offer.clone()),
        ..req.media
    };
    h.call(req);
    let inv = h.sent_one("INVITE");
    let answer = far_sdp(
        "RTP/SAVP",
        &[&format!("crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{OLD}")],
    );
    let contact = [("Contact", "<sip:uas@127.0.0.1:5060>")];
    h.reply(&inv, 200, Some("uas1"), &contact, &answer);
    h.sent_one("ACK");
    match &h.events()[..] {
        [SipEvent::Answered { media, .. }] => {
            let srtp = media.srtp.as_ref().expect("SRTP");
            assert_eq!(srtp.remote.as_bytes()[..], base64(OLD)[..]);
        }
        other => panic!("{other:?}"),
    }
    (h, inv, offer)
}

fn base64(key: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(key)
        .unwrap()
}

fn reinvite(h: &mut Harness, inv: &SipMessage, cseq: u32, body: &str) {
    let ct = [("Content-Type", "application/sdp")];
    h.feed(&far_request(inv, "INVITE", "uas1", cseq, &ct, body));
}

#[test]
fn a_new_key_is_taken_and_answered_with_the_one_line_accepted() {
    let (mut h, inv, offer) = srtp_call();
    // Their preference first: a _32 line we do not use in this call, then the _80 line
    // under a tag of their own with the new key.
    let body = far_sdp(
        "RTP/SAVP",
        &[
            &format!("crypto:3 AES_CM_128_HMAC_SHA1_32 inline:{OLD}"),
            &format!("crypto:4 AES_CM_128_HMAC_SHA1_80 inline:{NEW}"),
        ],
    );
    reinvite(&mut h, &inv, 2, &body);
    let ok = h.sent_one("200");
    let answer = SessionDescription::parse(&ok.body).unwrap();
    let m = &answer.media[0];
    assert_eq!(m.proto, "RTP/SAVP");
    assert_eq!(m.crypto.len(), 1, "{}", String::from_utf8_lossy(&ok.body));
    assert_eq!(m.crypto[0].tag, 4);
    assert_eq!(m.crypto[0].suite, CryptoSuite::Aes128CmHmacSha1_80);
    assert_eq!(m.crypto[0].key, offer.crypto[0].key, "our key stays");
    let ours = SessionDescription::parse(&inv.body).unwrap();
    assert_eq!(answer.session_version, ours.session_version + 1);
    match &h.events()[..] {
        [SipEvent::MediaUpdated { media, .. }] => {
            let srtp = media.srtp.as_ref().expect("still SRTP");
            assert_eq!(srtp.suite, CryptoSuite::Aes128CmHmacSha1_80);
            assert_eq!(srtp.remote.as_bytes()[..], base64(NEW)[..]);
            assert_eq!(srtp.local, offer.crypto[0].key);
        }
        other => panic!("{other:?}"),
    }

    // The same offer again (a session refresh): the same answer, no update.
    reinvite(&mut h, &inv, 3, &body);
    let again = h.sent_one("200");
    assert_eq!(again.body, ok.body);
    assert!(h.events().is_empty());
}

#[test]
fn an_offer_in_clear_or_without_the_suite_in_use_gets_488_and_keeps_the_keys() {
    let (mut h, inv, _) = srtp_call();
    let refused = [
        far_sdp("RTP/AVP", &[] as &[&str]),
        far_sdp(
            "RTP/SAVP",
            &[&format!("crypto:1 AES_CM_128_HMAC_SHA1_32 inline:{NEW}")],
        ),
        far_sdp("RTP/SAVP", &[] as &[&str]),
    ];
    for (cseq, body) in (2..).zip(&refused) {
        reinvite(&mut h, &inv, cseq, body);
        let answer = h.sent_one("488");
        assert!(answer.body.is_empty());
        assert!(h.events().is_empty(), "{body}");
    }
    // The key in use is still the one answered first: an offer repeating it is no update.
    let same = far_sdp(
        "RTP/SAVP",
        &[&format!("crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{OLD}")],
    );
    reinvite(&mut h, &inv, 9, &same);
    h.sent_one("200");
    assert!(h.events().is_empty());
}
