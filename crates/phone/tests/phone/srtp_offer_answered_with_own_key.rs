//! SDES between the daemon's user agent and the phone, in virtual time: an `RTP/SAVP` offer
//! with two `a=crypto` lines is answered `RTP/SAVP` with the first line's tag and suite and
//! a fresh key of the phone's own; the caller's audio only counts when it authenticates
//! (plain RTP and replays are dropped), and the key press leaves the phone encrypted with
//! its key, as RFC 4733 inside. An `RTP/SAVP` offer without a usable crypto line gets 488.

use voice_otp_rtp::{SrtpInbound, SrtpOutbound, SrtpSuite, parse_rtp};
use voice_otp_sip::{
    CryptoSuite, MediaOffer, SAVP, SessionDescription, SipEvent, SrtpOffer, SrtpPolicy,
};

use crate::common::{Bench, caller_rtp, ms, pressing};

const LOUD: i16 = 8000;

/// A caller packet of A-law `level`, sequence `seq`.
fn audio(seq: u16, level: i16) -> Vec<u8> {
    let mut p = vec![0x80, 8];
    p.extend(seq.to_be_bytes());
    p.extend((u32::from(seq) * 160).to_be_bytes());
    p.extend(0x0bad_cafe_u32.to_be_bytes());
    p.extend([voice_otp_media::G711Law::Alaw.encode(level); 160]);
    p
}

#[test]
fn savp_offer_gets_savp_answer_and_media_flows_only_encrypted() {
    let offer = SrtpOffer::generate(SrtpPolicy::Optional).unwrap().unwrap();
    let media = MediaOffer {
        srtp: Some(offer.clone()),
        ..MediaOffer::g711(caller_rtp())
    };
    let mut bench = Bench::new(pressing("1"), media);
    bench.run_until(ms(300));

    let ok = bench
        .sip_out
        .iter()
        .find(|s| s.message.status() == Some(200))
        .expect("a 200");
    let answer = SessionDescription::parse(&ok.message.body).unwrap();
    let m = answer.audio_stream().unwrap();
    assert_eq!(m.proto, SAVP);
    assert_eq!(m.crypto.len(), 1, "one line accepted");
    assert_eq!(m.crypto[0].tag, 1);
    assert_eq!(m.crypto[0].suite, CryptoSuite::Aes128CmHmacSha1_80);
    assert_ne!(m.crypto[0].key, offer.crypto[0].key, "a key of its own");

    let srtp = bench
        .events
        .iter()
        .find_map(|e| match e {
            SipEvent::Answered { media, .. } => media.srtp.clone(),
            _ => None,
        })
        .expect("the caller negotiated SRTP");
    assert_eq!(srtp.suite, CryptoSuite::Aes128CmHmacSha1_80);
    assert_eq!(srtp.local, offer.crypto[0].key);
    assert_eq!(srtp.remote, m.crypto[0].key);

    let suite = SrtpSuite::Aes128CmHmacSha1_80;
    let mut caller = SrtpOutbound::new(suite, srtp.local.as_bytes()).unwrap();
    // Plain RTP, a forged packet and a replay do not count as heard.
    let protected = caller.protect_rtp(&audio(1, LOUD)).unwrap();
    bench.phone.handle_rtp(bench.now, &protected);
    bench.phone.handle_rtp(bench.now, &protected);
    bench.phone.handle_rtp(bench.now, &audio(2, LOUD));
    let mut forged = caller.protect_rtp(&audio(3, LOUD)).unwrap().to_vec();
    forged[20] ^= 1;
    bench.phone.handle_rtp(bench.now, &forged);

    bench.protect = Some(caller);
    bench.play(60, LOUD, &[]);
    bench.play(100, 0, &[]);
    assert!(!bench.rtp_out.is_empty(), "the key was pressed");
    let mut from_phone = SrtpInbound::new(suite, srtp.remote.as_bytes()).unwrap();
    for (_, _, wire) in &bench.rtp_out {
        assert!(parse_rtp(wire).is_ok(), "the header stays readable");
        let plain = from_phone
            .unprotect_rtp(wire)
            .expect("protected with the phone's key");
        assert_eq!(parse_rtp(&plain).unwrap().payload_type.get(), 101);
    }

    bench.hang_up();
    let report = bench.outcome.take().expect("ended").unwrap();
    assert_eq!(report.srtp, Some(CryptoSuite::Aes128CmHmacSha1_80));
    assert_eq!(
        report.packets_received,
        1 + 160,
        "the protected packets only"
    );
    assert_eq!(report.pressed, "1");
}

#[test]
fn savp_offer_without_a_usable_crypto_line_is_refused_with_488() {
    let media = MediaOffer {
        srtp: Some(SrtpOffer {
            required: true,
            crypto: Vec::new(),
        }),
        ..MediaOffer::g711(caller_rtp())
    };
    let mut bench = Bench::new(pressing(""), media);
    bench.run_until(ms(300));
    assert!(bench.statuses().iter().any(|(_, code)| *code == 488));
    let outcome = bench.outcome.take().expect("the phone gave up");
    assert!(
        matches!(outcome, Err(voice_otp_phone::PhoneError::NoUsableCrypto)),
        "{outcome:?}"
    );
}
