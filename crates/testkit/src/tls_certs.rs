//! Throwaway TLS certificates for interop tests, made with the `openssl` command.
//!
//! [`TestPki::generate`] writes a fresh CA and a server certificate it signs, valid for
//! `127.0.0.1`, `::1` and `localhost`, into a directory; nothing is reused between runs.
//! [`TestPki::generate_ca`] makes a CA alone, to play the part of a CA the server's
//! certificate does not chain to.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files of one generated PKI (all PEM).
#[derive(Debug, Clone)]
pub struct TestPki {
    /// The CA certificate: what a client trusts.
    pub ca_cert: PathBuf,
    /// The CA's private key.
    pub ca_key: PathBuf,
    /// The server certificate, signed by the CA (empty path for a CA alone).
    pub server_cert: PathBuf,
    /// The server certificate's private key.
    pub server_key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs (Debian package openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes a self-signed CA `<name>-ca.pem` / `<name>-ca.key` in `dir`.
fn make_ca(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (format!("{name}-ca.pem"), format!("{name}-ca.key"));
    let subject = format!("/CN=voice-otp test CA {name}");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &subject,
            "-keyout",
            &key,
            "-out",
            &cert,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    (dir.join(cert), dir.join(key))
}

impl TestPki {
    /// A CA named `name` and a server certificate for loopback signed by it, in `dir`.
    pub fn generate(dir: &Path, name: &str) -> TestPki {
        let (ca_cert, ca_key) = make_ca(dir, name);
        let (csr, cert, key) = (
            format!("{name}-server.csr"),
            format!("{name}-server.pem"),
            format!("{name}-server.key"),
        );
        let ext = format!("{name}-server.ext");
        std::fs::write(
            dir.join(&ext),
            "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n\
             basicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth,clientAuth\n",
        )
        .expect("write the certificate extensions");
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                &key,
                "-out",
                &csr,
            ],
        );
        let (ca_cert_name, ca_key_name) = (format!("{name}-ca.pem"), format!("{name}-ca.key"));
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                &ca_cert_name,
                "-CAkey",
                &ca_key_name,
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &ext,
                "-out",
                &cert,
            ],
        );
        TestPki {
            ca_cert,
            ca_key,
            server_cert: dir.join(cert),
            server_key: dir.join(key),
        }
    }

    /// A CA alone, named `name`, in `dir` (its server fields are empty paths).
    pub fn generate_ca(dir: &Path, name: &str) -> TestPki {
        let (ca_cert, ca_key) = make_ca(dir, name);
        TestPki {
            ca_cert,
            ca_key,
            server_cert: PathBuf::new(),
            server_key: PathBuf::new(),
        }
    }
}
