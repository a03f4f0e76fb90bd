//! SIP over TLS to the trunk (RFC 3261 26.2, RFC 5630): the rustls client set up from
//! `[sip] tls-*`, and the handshake every stream connection makes before any SIP byte.
//!
//! The trunk's certificate is verified against the system's roots or the configured CA
//! file, for the configured server name (by default the trunk's host). A handshake that
//! fails is reported with its reason and the connection is dropped: there is no fallback
//! to clear TCP or UDP, since the point of TLS is that the code's call never crosses the
//! network in clear.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use thiserror::Error;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// How to verify the trunk and, optionally, who we are (mutual TLS).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM file of the CA certificates the trunk's certificate must chain to (`[sip]
    /// tls-ca`); `None`: the system's roots.
    pub ca: Option<PathBuf>,
    /// Name the trunk's certificate must hold (`[sip] tls-server-name`); `None`: the
    /// trunk's host (a name, or an IP address, which must then be in the certificate).
    pub server_name: Option<String>,
    /// PEM certificate chain we present (`[sip] tls-cert`), together with `client_key`.
    pub client_cert: Option<PathBuf>,
    /// PEM private key of `client_cert` (`[sip] tls-key`).
    pub client_key: Option<PathBuf>,
}

/// Why the TLS client could not be set up from its settings.
#[derive(Debug, Error)]
pub enum TlsError {
    /// A PEM file could not be read or holds nothing usable of the wanted kind.
    #[error("cannot use {what} {path:?}: {reason}")]
    Pem {
        /// Which setting: `tls-ca`, `tls-cert` or `tls-key`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
    /// No root certificate could be loaded from the system and no `tls-ca` is set.
    #[error("no trusted root certificates found on this system; set [sip] tls-ca")]
    NoSystemRoots,
    /// Only one of `tls-cert` and `tls-key` is set.
    #[error("[sip] tls-cert and tls-key go together: set both or neither")]
    ClientCertWithoutKey,
    /// The server name is neither a DNS name nor an IP address.
    #[error("{0:?} is not a usable TLS server name")]
    ServerName(String),
    /// rustls refused the configuration (e.g. a key that does not match the certificate).
    #[error("TLS configuration refused")]
    Rustls(#[source] rustls::Error),
}

/// The ready-made client side of every TLS connection to one trunk.
#[derive(Clone)]
pub(crate) struct TlsClient {
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl std::fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsClient")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl TlsClient {
    /// Builds the client for the trunk `trunk` (`host`, `host:port`, `[v6]:port`), reading
    /// every file now so that a wrong path stops the daemon at start, not a call later.
    pub(crate) fn new(settings: &TlsSettings, trunk: &str) -> Result<Arc<TlsClient>, TlsError> {
        let roots = match &settings.ca {
            Some(path) => ca_roots(path)?,
            None => system_roots()?,
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(TlsError::Rustls)?
            .with_root_certificates(roots);
        let config = match (&settings.client_cert, &settings.client_key) {
            (None, None) => builder.with_no_client_auth(),
            (Some(cert), Some(key)) => builder
                .with_client_auth_cert(cert_chain(cert)?, private_key(key)?)
                .map_err(TlsError::Rustls)?,
            _ => return Err(TlsError::ClientCertWithoutKey),
        };
        let name = settings
            .server_name
            .clone()
            .unwrap_or_else(|| trunk_host(trunk).to_owned());
        let server_name =
            ServerName::try_from(name.clone()).map_err(|_| TlsError::ServerName(name))?;
        Ok(Arc::new(TlsClient {
            connector: TlsConnector::from(Arc::new(config)),
            name: server_name,
        }))
    }

    /// Runs the handshake on a fresh TCP connection, bounded by `within`. The error is the
    /// reason a call fails with: a certificate that does not verify says so first.
    pub(crate) async fn handshake(
        &self,
        tcp: TcpStream,
        within: std::time::Duration,
    ) -> Result<TlsStream<TcpStream>, String> {
        let connect = self.connector.connect(self.name.clone(), tcp);
        match tokio::time::timeout(within, connect).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(e)) => Err(handshake_failure(&e)),
            Err(_) => Err("TLS handshake failed: the trunk did not finish it in time".to_owned()),
        }
    }
}

/// The words a failed handshake is reported with.
fn handshake_failure(e: &std::io::Error) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidCertificate(cert)) => {
            format!("TLS certificate not trusted: {cert}")
        }
        Some(other) => format!("TLS handshake failed: {other}"),
        None => format!("TLS handshake failed: {e}"),
    }
}

/// The host part of the trunk setting: what its certificate is checked against by default.
fn trunk_host(trunk: &str) -> &str {
    let trunk = trunk.trim();
    if let Some(rest) = trunk.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    // A bare IPv6 address has several colons and no port.
    if trunk.parse::<IpAddr>().is_ok() {
        return trunk;
    }
    trunk.split(':').next().unwrap_or(trunk)
}

fn pem_error(what: &'static str, path: &std::path::Path, reason: impl ToString) -> TlsError {
    TlsError::Pem {
        what,
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

fn cert_chain(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error("tls-cert", path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error("tls-cert", path, e))?;
    if certs.is_empty() {
        return Err(pem_error("tls-cert", path, "no CERTIFICATE in it"));
    }
    Ok(certs)
}

fn private_key(path: &std::path::Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| pem_error("tls-key", path, e))
}

fn ca_roots(path: &std::path::Path) -> Result<RootCertStore, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error("tls-ca", path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error("tls-ca", path, e))?;
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(pem_error("tls-ca", path, "no usable CA certificate in it"));
    }
    Ok(roots)
}

fn system_roots() -> Result<RootCertStore, TlsError> {
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::debug!(%error, "a system root certificate could not be loaded");
    }
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        return Err(TlsError::NoSystemRoots);
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_host_drops_the_port_and_brackets() {
        assert_eq!(trunk_host("sip.example.net:5061"), "sip.example.net");
        assert_eq!(trunk_host("sip.example.net"), "sip.example.net");
        assert_eq!(trunk_host("127.0.0.1:5061"), "127.0.0.1");
        assert_eq!(trunk_host("[::1]:5061"), "::1");
        assert_eq!(trunk_host("2001:db8::7"), "2001:db8::7");
    }

    #[test]
    fn a_certificate_error_is_reported_as_not_trusted() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let reason = handshake_failure(&io);
        assert!(
            reason.starts_with("TLS certificate not trusted: "),
            "{reason}"
        );
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::NoCertificatesPresented,
        );
        assert!(handshake_failure(&io).starts_with("TLS handshake failed: "));
    }
}
