//! A TLS "trunk" for the transport tests: a rustls server on 127.0.0.1 with a throwaway
//! certificate (voice-otp-testkit's `TestPki`, made with openssl), and an endpoint that
//! connects to it over TLS.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpListener;
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;
use voice_otp_sip::{
    EndpointConfig, SipEndpoint, SipEvent, SipMessage, TlsSettings, Transport, frame_stream,
    parse_message,
};
pub use voice_otp_testkit::tls_certs::TestPki;

pub const WAIT: Duration = Duration::from_secs(10);

fn certs(path: &Path) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(path)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

/// The trunk's side: `pki`'s server certificate; with `client_ca`, a client certificate
/// chaining to it is required (mutual TLS).
pub fn acceptor(pki: &TestPki, client_ca: Option<&Path>) -> TlsAcceptor {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(certs(ca));
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
    };
    let key = PrivateKeyDer::from_pem_file(&pki.server_key).unwrap();
    let config = builder
        .with_single_cert(certs(&pki.server_cert), key)
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

/// An endpoint over TLS to `listener` with `tls` settings (not yet started).
pub fn tls_config(listener: &TcpListener, tls: TlsSettings) -> EndpointConfig {
    let mut cfg = EndpointConfig::udp(
        "127.0.0.1:0".parse().unwrap(),
        listener.local_addr().unwrap().to_string(),
    );
    cfg.transport = Transport::Tls;
    cfg.tls = tls;
    cfg
}

/// Trust `ca` only.
pub fn trusting(ca: &Path) -> TlsSettings {
    TlsSettings {
        ca: Some(ca.to_owned()),
        ..TlsSettings::default()
    }
}

/// The next message the endpoint writes on `stream`.
pub async fn next_message<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut BytesMut) -> SipMessage {
    loop {
        if let Some(m) = frame_stream(buf).unwrap() {
            return parse_message(&m).unwrap();
        }
        let n = timeout(WAIT, stream.read_buf(buf)).await.unwrap().unwrap();
        assert!(n > 0, "endpoint closed the connection");
    }
}

/// Asserts that the next message on a fresh `stream` is an INVITE.
pub async fn expect_invite<S: AsyncRead + Unpin>(stream: &mut S) {
    let mut buf = BytesMut::new();
    assert_eq!(
        next_message(stream, &mut buf).await.method(),
        Some("INVITE")
    );
}

pub async fn next_event(rx: &mut tokio::sync::mpsc::Receiver<SipEvent>) -> SipEvent {
    timeout(WAIT, rx.recv()).await.unwrap().unwrap()
}

/// Starts the endpoint and accepts its TLS connection.
pub async fn connect(
    listener: &TcpListener,
    acceptor: &TlsAcceptor,
    cfg: EndpointConfig,
) -> (
    SipEndpoint,
    tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
) {
    let (ep, accepted) = tokio::join!(SipEndpoint::start(cfg), listener.accept());
    let tls = timeout(WAIT, acceptor.accept(accepted.unwrap().0))
        .await
        .unwrap()
        .expect("the endpoint completes the TLS handshake");
    (ep.unwrap(), tls)
}
