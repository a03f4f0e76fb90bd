//! TCP: a trunk stream that cannot be framed (`Content-Length: 18446744073709551615`) costs
//! only that connection. The endpoint closes it, connects again at once, and the call in
//! progress goes on over the new connection. The "trunk" is a plain TCP listener here.
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;
use voice_otp_sip::{
    EndReason, EndpointConfig, SipEndpoint, SipEvent, SipMessage, Transport, frame_stream,
    parse_message,
};

use crate::common::*;

const WAIT: Duration = Duration::from_secs(10);

/// The next message the endpoint writes on `stream`.
async fn next_message(stream: &mut TcpStream, buf: &mut BytesMut) -> SipMessage {
    loop {
        if let Some(m) = frame_stream(buf).unwrap() {
            return parse_message(&m).unwrap();
        }
        let n = timeout(WAIT, stream.read_buf(buf)).await.unwrap().unwrap();
        assert!(n > 0, "endpoint closed the connection");
    }
}

async fn next_event(rx: &mut tokio::sync::mpsc::Receiver<SipEvent>) -> SipEvent {
    timeout(WAIT, rx.recv()).await.unwrap().unwrap()
}

/// An endpoint over TCP to `listener`, and the connection it opened.
pub(crate) async fn tcp_endpoint(listener: &TcpListener) -> (SipEndpoint, TcpStream) {
    let mut cfg = EndpointConfig::udp(
        "127.0.0.1:0".parse().unwrap(),
        listener.local_addr().unwrap().to_string(),
    );
    cfg.transport = Transport::Tcp;
    let (ep, accepted) = tokio::join!(SipEndpoint::start(cfg), listener.accept());
    (ep.unwrap(), accepted.unwrap().0)
}

#[tokio::test]
async fn garbled_stream_reconnects_and_the_call_goes_on() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (ep, mut first) = tcp_endpoint(&listener).await;
    let (key, mut rx) = ep.dial(request()).await.unwrap();
    let mut buf = BytesMut::new();
    let invite = next_message(&mut first, &mut buf).await;
    assert_eq!(invite.method(), Some("INVITE"));
    first
        .write_all(&response(&invite, 180, Some("uas1"), &[], ""))
        .await
        .unwrap();
    assert!(matches!(
        next_event(&mut rx).await,
        SipEvent::Provisional { code: 180, .. }
    ));

    first
        .write_all(b"SIP/2.0 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n")
        .await
        .unwrap();
    let (mut second, _) = timeout(WAIT, listener.accept()).await.unwrap().unwrap();
    let mut rest = Vec::new();
    let closed = timeout(WAIT, first.read_to_end(&mut rest)).await.unwrap();
    assert!(closed.is_ok() && rest.is_empty(), "old connection closed");
    assert_eq!(ep.stats().garbled_streams, 1);

    // The call survived: its 200 arrives over the new connection.
    let answer = response(
        &invite,
        200,
        Some("uas1"),
        &[("Contact", "<sip:uas@127.0.0.1:5060;transport=tcp>")],
        ANSWER_SDP,
    );
    second.write_all(&answer).await.unwrap();
    assert!(matches!(
        next_event(&mut rx).await,
        SipEvent::Answered { key: k, .. } if k == key
    ));
    let mut buf = BytesMut::new();
    assert_eq!(
        next_message(&mut second, &mut buf).await.method(),
        Some("ACK")
    );
    ep.hangup(key).unwrap();
    let bye = next_message(&mut second, &mut buf).await;
    assert_eq!(bye.method(), Some("BYE"));
    second
        .write_all(&response(&bye, 200, None, &[], ""))
        .await
        .unwrap();
    assert_eq!(
        next_event(&mut rx).await,
        SipEvent::Ended {
            key,
            reason: EndReason::LocalBye { code: Some(200) }
        }
    );
    ep.shutdown().await;
}
