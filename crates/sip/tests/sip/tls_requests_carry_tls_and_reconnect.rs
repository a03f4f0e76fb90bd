//! SIP over TLS against a rustls "trunk" trusting the test's CA (`tls-ca`): the INVITE
//! arrives over the verified connection with `Via: SIP/2.0/TLS` and `;transport=tls` in its
//! Request-URI and Contact (RFC 3261 26.2, RFC 5630), and the call follows the trunk's
//! answer. When the trunk drops the connection, the next call opens a new one with a new
//! handshake, as over TCP.

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::timeout;
use voice_otp_sip::{FailReason, SipEndpoint, SipEvent, TlsSettings};

use crate::common::*;
use crate::tls_support::*;

#[tokio::test]
async fn invite_goes_over_tls_with_tls_uris_and_a_new_connection_follows_a_drop() {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::generate(dir.path(), "trunk");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let acceptor = acceptor(&pki, None);
    let cfg = tls_config(&listener, trusting(&pki.ca_cert));
    let (ep, mut tls) = connect(&listener, &acceptor, cfg).await;

    let (key, mut rx) = ep.dial(request()).await.unwrap();
    let mut buf = BytesMut::new();
    let invite = next_message(&mut tls, &mut buf).await;
    let text = String::from_utf8(invite.to_bytes()).unwrap();
    assert_eq!(invite.method(), Some("INVITE"));
    let trunk = listener.local_addr().unwrap();
    assert!(
        text.starts_with(&format!(
            "INVITE sip:+31612345678@{trunk};transport=tls SIP/2.0"
        )),
        "{text}"
    );
    assert!(text.contains("Via: SIP/2.0/TLS "), "{text}");
    let contact = format!("@{};transport=tls>", ep.local_addr());
    assert!(
        text.contains(&contact),
        "no Contact with {contact}:\n{text}"
    );
    tls.write_all(&response(&invite, 486, Some("uas1"), &[], ""))
        .await
        .unwrap();
    assert_eq!(
        next_event(&mut rx).await,
        SipEvent::Failed {
            key,
            reason: FailReason::Rejected {
                code: 486,
                reason: "Busy Here".into()
            }
        }
    );
    assert_eq!(next_message(&mut tls, &mut buf).await.method(), Some("ACK"));

    // The trunk closes the connection; once the endpoint has closed its side too, the next
    // call shakes hands again on a new one.
    tls.shutdown().await.unwrap();
    let mut rest = Vec::new();
    let closed = timeout(WAIT, tls.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the endpoint closed its side");
    assert!(rest.is_empty(), "nothing after the ACK");
    let (_key, _rx) = ep.dial(request()).await.unwrap();
    let (tcp, _) = timeout(WAIT, listener.accept()).await.unwrap().unwrap();
    let mut tls = timeout(WAIT, acceptor.accept(tcp)).await.unwrap().unwrap();
    expect_invite(&mut tls).await;
    ep.shutdown().await;
}

#[tokio::test]
async fn a_client_certificate_is_presented_for_mutual_tls() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestPki::generate(dir.path(), "trunk");
    let client = TestPki::generate(dir.path(), "client");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    // The trunk accepts only clients whose certificate chains to the client CA.
    let acceptor = acceptor(&server, Some(&client.ca_cert));
    let settings = TlsSettings {
        ca: Some(server.ca_cert.clone()),
        server_name: Some("localhost".into()),
        client_cert: Some(client.server_cert.clone()),
        client_key: Some(client.server_key.clone()),
    };
    let (ep, mut tls) = connect(&listener, &acceptor, tls_config(&listener, settings)).await;
    let presented = tls.get_ref().1.peer_certificates().map(<[_]>::len);
    assert_eq!(presented, Some(1), "the client certificate was presented");
    ep.dial(request()).await.unwrap();
    expect_invite(&mut tls).await;
    ep.shutdown().await;
}

#[tokio::test]
async fn unusable_tls_files_stop_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::generate(dir.path(), "trunk");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let missing = dir.path().join("no-such-ca.pem");
    let err = SipEndpoint::start(tls_config(&listener, trusting(&missing)))
        .await
        .expect_err("a missing CA file is an error");
    assert!(err.to_string().contains("tls-ca"), "{err}");
    // A key file is not a CA.
    let err = SipEndpoint::start(tls_config(&listener, trusting(&pki.server_key)))
        .await
        .expect_err("a file without certificates is an error");
    assert!(err.to_string().contains("tls-ca"), "{err}");
    let half = TlsSettings {
        ca: Some(pki.ca_cert.clone()),
        client_cert: Some(pki.server_cert.clone()),
        ..TlsSettings::default()
    };
    let err = SipEndpoint::start(tls_config(&listener, half))
        .await
        .expect_err("a client certificate without its key is an error");
    assert!(err.to_string().contains("tls-key"), "{err}");
}
