//! TCP: messages are cut from the stream by Content-Length, whatever the segmentation.
use bytes::BytesMut;
use voice_otp_sip::frame_stream;

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
