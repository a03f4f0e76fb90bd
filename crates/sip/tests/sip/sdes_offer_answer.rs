//! SRTP with SDES (RFC 4568) in the offer/answer: the offer is `RTP/SAVP` with one
//! `a=crypto` line per suite (80-bit tag first), each with its own fresh key, and prints and
//! parses back unchanged; the answer must accept one of our lines (same tag and suite) with
//! its own key. `required` fails a call answered without SRTP (ACK, BYE, a reason that says
//! so); `optional` falls back to plain RTP only on `RTP/AVP`.

use crate::common::*;
use voice_otp_sip::{
    Codec, CryptoSuite, FailReason, MediaOffer, NegotiationError, SessionDescription, SipEvent,
    SrtpOffer, SrtpPolicy,
};

const G711: [Codec; 2] = [Codec::Pcma, Codec::Pcmu];
const KEY: &str = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";

fn offer(policy: SrtpPolicy) -> SrtpOffer {
    SrtpOffer::generate(policy).unwrap().unwrap()
}

/// An answer on `proto` with `crypto` lines (whole attribute values).
fn answer(proto: &str, crypto: &[String]) -> SessionDescription {
    SessionDescription::parse(far_sdp(proto, crypto).as_bytes()).unwrap()
}

#[test]
fn the_offer_is_savp_with_both_suites_and_round_trips() {
    let srtp = offer(SrtpPolicy::Optional);
    let sdp =
        SessionDescription::offer(7, "127.0.0.1:30000".parse().unwrap(), &G711, Some(101), 20)
            .with_srtp(&srtp.crypto);
    let text = sdp.to_text();
    assert!(
        text.contains("m=audio 30000 RTP/SAVP 8 0 101\r\n"),
        "{text}"
    );
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("a=crypto:"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
    assert!(lines[1].starts_with("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"));
    let back = SessionDescription::parse(text.as_bytes()).unwrap();
    assert_eq!(back, sdp);
    assert_eq!(back.to_text(), text);
    // Debug of the whole description shows no key.
    let printed = format!("{sdp:?}");
    let inline = lines[0].rsplit("inline:").next().unwrap();
    assert!(!printed.contains(inline), "{printed}");
    // Written once at its exact size: growing the text would have left copies of the keys
    // in freed memory, out of reach of the zeroizing wrapper the call keeps it in.
    assert_eq!(text.capacity(), text.len());
}

#[test]
fn an_answer_accepting_one_of_our_lines_gives_both_keys() {
    let srtp = offer(SrtpPolicy::Required);
    let a = answer(
        "RTP/SAVP",
        &[format!("crypto:2 AES_CM_128_HMAC_SHA1_32 inline:{KEY}")],
    );
    let media = a.negotiate_with_srtp(&G711, Some(&srtp)).unwrap();
    let keys = media.srtp.expect("SRTP");
    assert_eq!(keys.suite, CryptoSuite::Aes128CmHmacSha1_32);
    assert_eq!(keys.local, srtp.crypto[1].key);
    assert_eq!(keys.remote, a.media[0].crypto[0].key);
    assert_eq!(media.telephone_event_pt, Some(101));
}

#[test]
fn answers_without_a_matching_line_fail_with_a_reason() {
    let srtp = offer(SrtpPolicy::Optional);
    for crypto in [
        vec![],
        // Our tag with the other suite, and a tag we never offered.
        vec![format!("crypto:1 AES_CM_128_HMAC_SHA1_32 inline:{KEY}")],
        vec![format!("crypto:9 AES_CM_128_HMAC_SHA1_80 inline:{KEY}")],
        // A suite we do not support.
        vec![format!("crypto:1 AEAD_AES_256_GCM inline:{KEY}")],
    ] {
        let a = answer("RTP/SAVP", &crypto);
        assert_eq!(
            a.negotiate_with_srtp(&G711, Some(&srtp)),
            Err(NegotiationError::NoUsableCrypto),
            "{crypto:?}"
        );
    }
    // Optional falls back on RTP/AVP only.
    let plain = answer("RTP/AVP", &[]).negotiate_with_srtp(&G711, Some(&srtp));
    assert_eq!(plain.unwrap().srtp, None);
    assert_eq!(
        answer("RTP/AVPF", &[]).negotiate_with_srtp(&G711, Some(&srtp)),
        Err(NegotiationError::NoUsableCrypto)
    );
    let required = offer(SrtpPolicy::Required);
    let err = answer("RTP/AVP", &[])
        .negotiate_with_srtp(&G711, Some(&required))
        .unwrap_err();
    assert_eq!(err, NegotiationError::SrtpRequired);
    assert!(err.to_string().contains("without SRTP"), "{err}");
    // Without an SRTP offer nothing changes.
    assert_eq!(
        answer("RTP/AVP", &[])
            .negotiate_with_srtp(&G711, None)
            .unwrap()
            .srtp,
        None
    );
}

#[test]
fn required_srtp_answered_in_clear_is_acked_byed_and_reported() {
    let mut h = Harness::udp();
    let mut req = request();
    req.media = MediaOffer {
        srtp: Some(offer(SrtpPolicy::Required)),
        ..req.media
    };
    let key = h.call(req);
    let inv = h.sent_one("INVITE");
    let body = String::from_utf8_lossy(&inv.body).into_owned();
    assert!(
        body.contains("RTP/SAVP") && body.contains("a=crypto:1 "),
        "{body}"
    );
    let plain = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n\
                 t=0 0\r\nm=audio 6000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n";
    h.reply(
        &inv,
        200,
        Some("x"),
        &[("Contact", "<sip:uas@127.0.0.1:5060>")],
        plain,
    );
    let kinds: Vec<String> = h.sent().iter().map(kind).collect();
    assert_eq!(kinds, ["ACK", "BYE"]);
    assert_eq!(
        h.events(),
        [SipEvent::Failed {
            key,
            reason: FailReason::NoCommonCodec(NegotiationError::SrtpRequired)
        }]
    );
}
