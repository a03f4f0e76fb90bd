//! TCP: a trunk that accepts the connection but stops reading cannot freeze signalling.
//! Writes go through a bounded queue to the connection's own task and time out there; the
//! driver keeps taking commands, and the calls stuck behind the dead connection end with a
//! transport error instead of hanging.
use std::time::Duration;

use tokio::net::TcpSocket;
use tokio::time::timeout;
use voice_otp_sip::{FailReason, SipEvent};

use super::tcp_garbled_stream_reconnects::tcp_endpoint;
use crate::common::*;

/// Bigger than the loopback socket buffers can hold, so the writer must block.
const CALLS: usize = 200;
const PAD: usize = 32 * 1024;

#[tokio::test]
async fn trunk_that_stops_reading_cannot_freeze_signalling() {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(8).unwrap();
    let (ep, _never_read) = tcp_endpoint(&listener).await;

    let mut calls = Vec::new();
    for i in 0..CALLS {
        let mut req = request();
        req.extra_headers = vec![("X-Pad".into(), "x".repeat(PAD))];
        // The driver answers at once even while the trunk's window is shut: a stuck write
        // would hold this dial (and every timer and call) for good.
        let dialled = timeout(Duration::from_secs(5), ep.dial(req)).await;
        calls.push(
            dialled
                .unwrap_or_else(|_| panic!("dial {i} blocked"))
                .unwrap(),
        );
    }
    for (i, (key, rx)) in calls.iter_mut().enumerate() {
        let ev = timeout(Duration::from_secs(60), rx.recv())
            .await
            .expect("a call stuck behind the dead connection ends")
            .unwrap();
        // The first INVITE is the write that timed out. On a very slow machine a late dial
        // may have gone out on a fresh connection and then ends by Timer B instead.
        let ok = match &ev {
            SipEvent::Failed { key: k, reason } if k == key => {
                *reason == FailReason::TransportError || (i > 0 && *reason == FailReason::Timeout)
            }
            _ => false,
        };
        assert!(ok, "call {i}: {ev:?}");
    }
    ep.shutdown().await;
}
