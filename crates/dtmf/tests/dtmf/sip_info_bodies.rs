//! SIP INFO DTMF bodies: `application/dtmf-relay` as sent by Cisco, Asterisk,
//! FreeSWITCH and most trunks, and `application/dtmf`, into one event shape.

use std::time::Duration;
use voice_otp_dtmf::{
    DEFAULT_INFO_DURATION, Digit, DtmfError, DtmfSource, SipInfoDtmf, parse_sip_info,
};

#[test]
fn dtmf_relay_bodies() {
    let cases: &[(&str, &[u8], Digit, Option<u64>)] = &[
        (
            "application/dtmf-relay",
            b"Signal=1\r\nDuration=160\r\n",
            Digit::D1,
            Some(160),
        ),
        (
            "application/dtmf-relay",
            b"Signal=1\r\nDuration=160",
            Digit::D1,
            Some(160),
        ),
        (
            "Application/DTMF-Relay; charset=utf-8",
            b"signal= *\nduration= 250\n",
            Digit::Star,
            Some(250),
        ),
        (
            "application/dtmf-relay",
            b"Signal=#\r\nDuration=100\r\n",
            Digit::Hash,
            Some(100),
        ),
        (
            "application/dtmf-relay",
            b"Signal=11\r\nDuration=100\r\n",
            Digit::Hash,
            Some(100),
        ),
        (
            "application/dtmf-relay",
            b"Signal=10\r\n",
            Digit::Star,
            None,
        ),
        (
            "application/dtmf-relay",
            b"Signal=d\r\nDuration=90\r\n",
            Digit::D,
            Some(90),
        ),
        (
            "application/dtmf-relay",
            b"Duration=90\r\nSignal=0\r\n",
            Digit::D0,
            Some(90),
        ),
    ];
    for (ct, body, digit, ms) in cases {
        let got = parse_sip_info(ct, body).unwrap_or_else(|e| panic!("{ct} {body:?}: {e}"));
        assert_eq!(
            got,
            SipInfoDtmf {
                digit: *digit,
                duration: ms.map(Duration::from_millis)
            },
            "{body:?}"
        );
    }
}

#[test]
fn dtmf_bodies() {
    assert_eq!(
        parse_sip_info("application/dtmf", b"5").unwrap().digit,
        Digit::D5
    );
    assert_eq!(
        parse_sip_info("application/dtmf", b"5\r\n").unwrap().digit,
        Digit::D5
    );
    assert_eq!(
        parse_sip_info("application/dtmf", b"#").unwrap().digit,
        Digit::Hash
    );
    assert_eq!(
        parse_sip_info("application/dtmf", b"11").unwrap().digit,
        Digit::Hash
    );
}

#[test]
fn becomes_the_same_event_as_the_other_sources() {
    let info = parse_sip_info("application/dtmf-relay", b"Signal=1\r\nDuration=160\r\n").unwrap();
    let ev = info.into_event(Duration::from_secs(3));
    assert_eq!(ev.digit, Digit::D1);
    assert_eq!(ev.start, Duration::from_secs(3));
    assert_eq!(ev.duration, Duration::from_millis(160));
    assert_eq!(ev.source, DtmfSource::SipInfo);
}

#[test]
fn an_info_is_placed_on_the_timeline_by_its_end() {
    // Sent when the key was released: it started its duration before it arrived.
    let held = parse_sip_info("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n").unwrap();
    let ev = held.ended_at(Duration::from_secs(3));
    assert_eq!(ev.start, Duration::from_millis(2_840));
    assert_eq!(ev.duration, Duration::from_millis(160));
    // Without a duration, the typical press is assumed.
    let bare = parse_sip_info("application/dtmf", b"5").unwrap();
    let ev = bare.ended_at(Duration::from_secs(3));
    assert_eq!(ev.start, Duration::from_secs(3) - DEFAULT_INFO_DURATION);
    // Never before the timeline's zero.
    assert_eq!(
        bare.ended_at(Duration::from_millis(10)).start,
        Duration::ZERO
    );
}

#[test]
fn garbage_is_an_error() {
    let relay = "application/dtmf-relay";
    assert_eq!(
        parse_sip_info("application/sdp", b"Signal=1"),
        Err(DtmfError::UnsupportedContentType)
    );
    assert_eq!(
        parse_sip_info("", b"Signal=1"),
        Err(DtmfError::UnsupportedContentType)
    );
    assert_eq!(parse_sip_info(relay, b""), Err(DtmfError::MissingSignal));
    assert_eq!(
        parse_sip_info(relay, b"Duration=160"),
        Err(DtmfError::MissingSignal)
    );
    assert_eq!(
        parse_sip_info(relay, b"Signal=\r\n"),
        Err(DtmfError::InvalidSignal)
    );
    assert_eq!(
        parse_sip_info(relay, b"Signal=E"),
        Err(DtmfError::InvalidSignal)
    );
    assert_eq!(
        parse_sip_info(relay, b"Signal=16"),
        Err(DtmfError::InvalidSignal)
    );
    assert_eq!(
        parse_sip_info(relay, b"Signal=1\nDuration=-5"),
        Err(DtmfError::InvalidDuration)
    );
    assert_eq!(
        parse_sip_info(relay, b"Signal=1\nDuration=99999999999"),
        Err(DtmfError::InvalidDuration)
    );
    assert_eq!(
        parse_sip_info(relay, b"Signal=\xff"),
        Err(DtmfError::NotText)
    );
    assert_eq!(
        parse_sip_info("application/dtmf", b"12a"),
        Err(DtmfError::InvalidSignal)
    );
    assert_eq!(
        parse_sip_info("application/dtmf", b""),
        Err(DtmfError::InvalidSignal)
    );
}
