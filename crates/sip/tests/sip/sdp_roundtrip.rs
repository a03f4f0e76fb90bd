//! SDP from real bytes (SIPp, RFC 4317, trunk and WebRTC-style answers) parses, prints back
//! byte for byte, and negotiates the codec we expect; garbage is an error.
use std::fs;
use std::path::PathBuf;
use voice_otp_sip::{Codec, Direction, NegotiationError, SessionDescription};

fn corpus(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus/sdp")
        .join(name);
    fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const OFFERED: &[Codec] = &[Codec::Pcma, Codec::Pcmu];

#[test]
fn every_corpus_file_round_trips_exactly() {
    for name in [
        "sipp_uas_answer.sdp",
        "rfc4317_audio_video.sdp",
        "rfc4317_ipv4.sdp",
        "trunk_answer_ipv6.sdp",
        "opus_answer.sdp",
    ] {
        let raw = corpus(name);
        let sdp = SessionDescription::parse(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
        let printed = sdp.to_text();
        if name == "opus_answer.sdp" {
            // Media-level c= after m= is printed in canonical position; content is equal.
            assert_eq!(SessionDescription::parse(printed.as_bytes()).unwrap(), sdp);
        } else {
            assert_eq!(printed.as_bytes(), &raw[..], "{name}");
        }
    }
}

#[test]
fn sipp_answer_negotiates_pcmu_without_telephone_event() {
    let sdp = SessionDescription::parse(&corpus("sipp_uas_answer.sdp")).unwrap();
    let m = sdp.negotiate(OFFERED).unwrap();
    assert_eq!(m.codec, Codec::Pcmu);
    assert_eq!(m.payload_type, 0);
    assert_eq!(m.remote_rtp, "127.0.0.1:6000".parse().unwrap());
    assert_eq!(m.telephone_event_pt, None);
    assert_eq!(m.ptime, 20);
}

#[test]
fn ptime_direction_and_dtmf_are_read() {
    let sdp = SessionDescription::parse(&corpus("rfc4317_ipv4.sdp")).unwrap();
    let m = sdp.negotiate(OFFERED).unwrap();
    assert_eq!((m.codec, m.payload_type, m.ptime), (Codec::Pcma, 8, 30));
    assert_eq!(m.telephone_event_pt, Some(101));
    assert_eq!(m.direction, Direction::SendRecv);
}

#[test]
fn answerer_order_wins_and_ipv6_works() {
    let sdp = SessionDescription::parse(&corpus("trunk_answer_ipv6.sdp")).unwrap();
    let m = sdp.negotiate(OFFERED).unwrap();
    assert_eq!(m.codec, Codec::Pcmu, "the answer lists PCMU first");
    assert_eq!(m.remote_rtp, "[2001:db8::10]:31000".parse().unwrap());
}

#[test]
fn opus_with_media_level_connection() {
    let sdp = SessionDescription::parse(&corpus("opus_answer.sdp")).unwrap();
    assert_eq!(sdp.negotiate(OFFERED), Err(NegotiationError::NoCommonCodec));
    let m = sdp.negotiate(&[Codec::Opus, Codec::Pcma]).unwrap();
    assert_eq!((m.codec, m.payload_type), (Codec::Opus, 111));
    assert_eq!(m.remote_rtp, "10.1.2.3:9000".parse().unwrap());
    assert_eq!(m.direction, Direction::RecvOnly);
}

#[test]
fn second_m_line_is_kept_and_audio_is_chosen() {
    let sdp = SessionDescription::parse(&corpus("rfc4317_audio_video.sdp")).unwrap();
    assert_eq!(sdp.media.len(), 2);
    assert_eq!(sdp.media[1].media, "video");
    assert_eq!(sdp.negotiate(OFFERED).unwrap().remote_rtp.port(), 49174);
}

#[test]
fn our_offer_lists_g711_and_telephone_event_101() {
    let offer = SessionDescription::offer(
        7,
        "192.0.2.5:40000".parse().unwrap(),
        OFFERED,
        Some(101),
        20,
    );
    let text = offer.to_text();
    assert!(text.contains("m=audio 40000 RTP/AVP 8 0 101\r\n"), "{text}");
    assert!(text.contains("a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"));
    assert!(text.contains("a=ptime:20\r\n"));
    assert_eq!(SessionDescription::parse(text.as_bytes()).unwrap(), offer);
}

#[test]
fn rejected_stream_and_garbage_are_errors() {
    let rejected = b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n";
    let sdp = SessionDescription::parse(rejected).unwrap();
    assert_eq!(sdp.negotiate(OFFERED), Err(NegotiationError::NoAudioStream));
    let no_c = b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4 RTP/AVP 0\r\n";
    assert_eq!(
        SessionDescription::parse(no_c).unwrap().negotiate(OFFERED),
        Err(NegotiationError::NoConnectionAddress)
    );
    for g in [
        &b""[..],
        b"hello",
        b"v=1\r\n",
        b"v=0\r\ns=x\r\n",
        b"v=0\r\no=- x 1 IN IP4 1.2.3.4\r\ns=-\r\n",
        b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 999.1.1.1\r\n",
        b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio x RTP/AVP 0\r\n",
        b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:x PCMU/8000\r\n",
        b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\na=ptime:\r\n",
        b"\xff\xfe",
    ] {
        assert!(
            SessionDescription::parse(g).is_err(),
            "{:?}",
            String::from_utf8_lossy(g)
        );
    }
}
