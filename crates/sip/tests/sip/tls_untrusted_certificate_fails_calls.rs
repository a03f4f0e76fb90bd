//! Attack on the TLS hop: the "trunk" presents a certificate that does not verify, either
//! signed by a CA the endpoint does not trust or not valid for the name it expects. Every
//! call fails with `FailReason::Tls` saying "TLS certificate not trusted: ...", and not one
//! byte of SIP reaches the impostor, over TLS or otherwise: no second connection in clear.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use voice_otp_sip::{FailReason, SipEndpoint, SipEvent, TlsSettings};

use crate::common::*;
use crate::tls_support::*;

/// Runs one call against an impostor trunk using `pki`'s certificate; returns the failure
/// reason and how many handshakes the impostor completed and SIP bytes it received.
async fn call_impostor(pki: &TestPki, settings: TlsSettings) -> (String, usize) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cfg = tls_config(&listener, settings);
    let acceptor = acceptor(pki, None);
    let received = Arc::new(AtomicUsize::new(0));
    let seen = received.clone();
    let server = tokio::spawn(async move {
        loop {
            let Ok((mut tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                // Count plain bytes after the first record, should the endpoint ever
                // talk without TLS, and the SIP bytes of a completed handshake.
                let mut peek = [0u8; 1];
                if tcp.peek(&mut peek).await.is_ok() && peek[0] != 0x16 {
                    let mut rest = Vec::new();
                    let _ = tcp.read_to_end(&mut rest).await;
                    seen.fetch_add(rest.len().max(1), Ordering::SeqCst);
                    return;
                }
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut rest = Vec::new();
                    let _ = tls.read_to_end(&mut rest).await;
                    seen.fetch_add(rest.len().max(1), Ordering::SeqCst);
                }
            });
        }
    });
    let ep = SipEndpoint::start(cfg).await.unwrap();
    let (key, mut rx) = ep.dial(request()).await.unwrap();
    let reason = match next_event(&mut rx).await {
        SipEvent::Failed {
            key: k,
            reason: FailReason::Tls { reason },
        } if k == key => reason,
        other => panic!("expected a TLS failure, got {other:?}"),
    };
    ep.shutdown().await;
    server.abort();
    (reason, received.load(Ordering::SeqCst))
}

#[tokio::test]
async fn a_certificate_from_another_ca_fails_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let impostor = TestPki::generate(dir.path(), "impostor");
    let trusted = TestPki::generate_ca(dir.path(), "trusted");
    let (reason, received) = call_impostor(&impostor, trusting(&trusted.ca_cert)).await;
    assert!(
        reason.starts_with("TLS certificate not trusted: "),
        "{reason}"
    );
    assert!(reason.contains("UnknownIssuer"), "{reason}");
    assert_eq!(received, 0, "SIP reached the impostor");
}

#[tokio::test]
async fn a_certificate_for_another_name_fails_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::generate(dir.path(), "trunk");
    let settings = TlsSettings {
        ca: Some(pki.ca_cert.clone()),
        server_name: Some("sip.trunk.example".into()),
        ..TlsSettings::default()
    };
    let (reason, received) = call_impostor(&pki, settings).await;
    assert!(
        reason.starts_with("TLS certificate not trusted: "),
        "{reason}"
    );
    assert!(reason.contains("sip.trunk.example"), "{reason}");
    assert_eq!(received, 0, "SIP reached the impostor");
}
