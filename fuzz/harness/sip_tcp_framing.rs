//! What the `sip_tcp_framing` fuzz target does with one input, shared with the corpus replay
//! test in `crates/sip/tests/sip/fuzz_corpus_replay.rs`: the bytes arrive on a TCP stream in
//! pieces (the first byte sets the piece size) and are cut into messages by Content-Length.

use bytes::BytesMut;
use voice_otp_sip::{frame_stream, parse_message};

/// The stream limit of the framer: nothing longer may come out.
const MAX_MESSAGE: usize = 64 * 1024;

/// Feeds `data` in pieces and frames every message out of it until the stream errs.
pub(crate) fn run(data: &[u8]) {
    let Some((&piece, stream)) = data.split_first() else {
        return;
    };
    let piece = usize::from(piece).max(1);
    let mut buf = BytesMut::new();
    let mut taken = 0usize;
    for chunk in stream.chunks(piece) {
        buf.extend_from_slice(chunk);
        loop {
            match frame_stream(&mut buf) {
                Ok(Some(msg)) => {
                    assert!(msg.len() <= MAX_MESSAGE, "{} byte message", msg.len());
                    assert!(
                        !msg.starts_with(b"\r\n"),
                        "keepalive CRLFs left in a message"
                    );
                    taken += msg.len();
                    let _ = parse_message(&msg);
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
        assert!(taken + buf.len() <= stream.len());
    }
}
