//! Every fuzz corpus file, and truncations and byte flips of it, goes through the parsers and
//! the user agent without a panic; whole files parse and round-trip. The `sip_ua`,
//! `sip_tcp_framing` and `sip_digest` corpora run through the fuzz targets' own harnesses
//! (`fuzz/harness/`), whose checks are the targets' assertions.
use std::fs;
use std::path::PathBuf;
use std::time::Instant;
use voice_otp_sip::{SessionDescription, UserAgent, frame_stream, parse_message};

#[path = "../../../../fuzz/harness/sip_ua.rs"]
mod sip_ua_harness;

#[path = "../../../../fuzz/harness/sip_tcp_framing.rs"]
mod sip_tcp_framing_harness;

#[path = "../../../../fuzz/harness/sip_digest.rs"]
mod sip_digest_harness;

fn files(dir: &str) -> Vec<(String, Vec<u8>)> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(dir);
    let mut v: Vec<_> = fs::read_dir(&d)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    assert!(v.len() >= 5, "corpus {dir} too small");
    v
}

fn mutations(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for cut in (0..data.len()).step_by(7) {
        out.push(data[..cut].to_vec());
    }
    for i in (0..data.len()).step_by(5) {
        for b in [0u8, b'\r', b'\n', b':', b';', b'<', b'"', b' ', 0xff, b'9'] {
            let mut m = data.to_vec();
            m[i] = b;
            out.push(m);
        }
    }
    out
}

#[test]
fn sip_corpus_parses_and_round_trips() {
    for (name, data) in files("sip_message") {
        let msg = parse_message(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = parse_message(&msg.to_bytes()).unwrap();
        assert_eq!(again, msg, "{name}");
    }
}

#[test]
fn sip_mutations_never_panic() {
    let mut ua = UserAgent::new(voice_otp_sip::UaConfig {
        local_addr: "127.0.0.1:5070".parse().unwrap(),
        transport: voice_otp_sip::Transport::Udp,
        from_domain: "x".into(),
        user_agent: "x".into(),
        username: "u".into(),
        password: "p".into(),
        trunk: None,
        keepalive: None,
        seed: 1,
        timers: Default::default(),
    });
    let now = Instant::now();
    let from = "127.0.0.1:5060".parse().unwrap();
    let mut rejected = 0u64;
    for (_, data) in files("sip_message") {
        for m in mutations(&data) {
            if parse_message(&m).is_err() && !m.iter().all(u8::is_ascii_whitespace) {
                rejected += 1;
            }
            if let Ok(msg) = parse_message(&m) {
                for (n, v) in &msg.headers {
                    if n.ends_with("Authenticate") {
                        let _ = voice_otp_sip::Challenge::parse(v);
                    }
                }
            }
            ua.handle_datagram(now, from, &m);
            let mut buf = bytes::BytesMut::from(&m[..]);
            while let Ok(Some(_)) = frame_stream(&mut buf) {}
        }
    }
    assert!(rejected > 100);
    assert_eq!(
        ua.malformed_count(),
        rejected,
        "every rejected datagram is counted"
    );
}

#[test]
fn sdp_corpus_and_mutations_never_panic() {
    let srtp = voice_otp_sip::SrtpOffer::generate(voice_otp_sip::SrtpPolicy::Required).unwrap();
    let offer = srtp.as_ref().unwrap();
    // The call's keys for a re-INVITE's offer (RFC 4568 7.1.4).
    let current = voice_otp_sip::NegotiatedSrtp {
        suite: offer.crypto[0].suite,
        local: offer.crypto[0].key.clone(),
        remote: offer.crypto[1].key.clone(),
    };
    for (_, data) in files("sdp") {
        SessionDescription::parse(&data).unwrap();
        for m in mutations(&data) {
            if let Ok(s) = SessionDescription::parse(&m) {
                let _ = s.negotiate(&[voice_otp_sip::Codec::Pcma]);
                let _ = s.negotiate_with_srtp(&[voice_otp_sip::Codec::Pcma], srtp.as_ref());
                let _ = s.negotiate_srtp_reoffer(&[voice_otp_sip::Codec::Pcma], &current);
                let _ = s.to_text();
            }
        }
    }
}

#[test]
fn sip_ua_corpus_and_mutations_keep_the_invariants() {
    for (_, data) in files("sip_ua") {
        sip_ua_harness::run(&data);
        for m in mutations(&data) {
            sip_ua_harness::run(&m);
        }
    }
}

#[test]
fn sip_tcp_framing_corpus_and_mutations_never_panic() {
    for (_, data) in files("sip_tcp_framing") {
        sip_tcp_framing_harness::run(&data);
        for m in mutations(&data) {
            sip_tcp_framing_harness::run(&m);
        }
    }
}

#[test]
fn sip_digest_corpus_and_mutations_never_panic() {
    for (_, data) in files("sip_digest") {
        sip_digest_harness::run(&data);
        for m in mutations(&data) {
            sip_digest_harness::run(&m);
        }
    }
}
