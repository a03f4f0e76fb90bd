//! TCP: messages are cut from the stream by Content-Length, whatever the segmentation.
use bytes::BytesMut;
use voice_otp_sip::{FramingError, SipError, frame_stream};

const A: &[u8] = b"SIP/2.0 180 Ringing\r\nVia: v\r\nContent-Length: 0\r\n\r\n";
const B: &[u8] = b"INFO sip:a@b SIP/2.0\r\nl: 5\r\nVia: v\r\n\r\nhello";

#[test]
fn back_to_back_messages_split_correctly() {
    let mut buf = BytesMut::new();
    buf.extend_from_slice(b"\r\n\r\n"); // keepalive
    buf.extend_from_slice(A);
    buf.extend_from_slice(B);
    assert_eq!(&frame_stream(&mut buf).unwrap().unwrap()[..], A);
    assert_eq!(&frame_stream(&mut buf).unwrap().unwrap()[..], B);
    assert_eq!(frame_stream(&mut buf).unwrap(), None);
    assert!(buf.is_empty());
}

#[test]
fn every_split_point_yields_the_same_messages() {
    let whole: Vec<u8> = [A, B].concat();
    for cut in 0..whole.len() {
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for part in [&whole[..cut], &whole[cut..]] {
            buf.extend_from_slice(part);
            while let Some(m) = frame_stream(&mut buf).unwrap() {
                got.push(m);
            }
        }
        assert_eq!(got, [A, B], "cut at {cut}");
    }
}

#[test]
fn bad_length_and_endless_headers_are_errors() {
    let mut buf = BytesMut::from(&b"SIP/2.0 200 OK\r\nContent-Length: x\r\n\r\n"[..]);
    assert!(frame_stream(&mut buf).is_err());
    let mut buf = BytesMut::from(&vec![b'a'; 70_000][..]);
    assert!(frame_stream(&mut buf).is_err());
}

#[test]
fn huge_content_lengths_are_typed_errors_not_overflows() {
    for length in [
        "18446744073709551615",
        "18446744073709551612",
        "9223372036854775807",
        "65536",
    ] {
        let head = format!("SIP/2.0 200 OK\r\nVia: v\r\nContent-Length: {length}\r\n\r\nbody");
        let mut buf = BytesMut::from(head.as_bytes());
        match frame_stream(&mut buf) {
            Err(SipError::Framing(FramingError::TooLong { length: got, .. })) => {
                assert_eq!(got.to_string(), length);
            }
            other => panic!("Content-Length {length}: {other:?}"),
        }
    }
    // Longer than any u64: not a number we can use.
    let mut buf = BytesMut::from(&b"SIP/2.0 200 OK\r\nl: 99999999999999999999999\r\n\r\n"[..]);
    assert!(matches!(
        frame_stream(&mut buf),
        Err(SipError::Framing(FramingError::BadContentLength))
    ));
}

#[test]
fn largest_allowed_message_still_frames() {
    let head = "SIP/2.0 200 OK\r\nVia: v\r\nContent-Length: ";
    // Headers plus body exactly at the 64 KiB limit.
    let fixed = head.len() + "\r\n\r\n".len();
    let mut body_len = 65_536 - fixed - 5;
    let text = loop {
        let t = format!("{head}{body_len}\r\n\r\n");
        if t.len() + body_len == 65_536 {
            break t;
        }
        body_len = 65_536 - t.len();
    };
    let mut buf = BytesMut::from(text.as_bytes());
    buf.extend_from_slice(&vec![b'x'; body_len]);
    assert_eq!(frame_stream(&mut buf).unwrap().unwrap().len(), 65_536);
}
