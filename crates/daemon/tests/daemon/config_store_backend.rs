//! `[store]` picks the backend: `path` SQLite, `url` (or `VOICE_OTP_STORE_URL`) PostgreSQL,
//! both at once a one-line error naming both keys. A bad or unreachable URL stops
//! `voice-otp serve` with the key named and the URL's password nowhere in the output.
//! `[cluster] node-id` names the node, by default host name and HTTP port. `[cluster]
//! secret` is required with `url`, at least 32 characters, not the example's placeholder,
//! and never shown in an error.

use std::collections::BTreeMap;
use std::process::Command;

use voice_otp_daemon::Config;

const PASSWORD: &str = "pa55-w0rd-never-shown";
const CLUSTER_SECRET: &str = "a-cluster-secret-that-is-long-enough-0123";

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn url_selects_postgres_and_path_sqlite() {
    let c = Config::from_sources(None, &env(&[])).unwrap();
    assert_eq!(c.store.url, None);
    let toml = "[store]\nurl = \"postgres://otp@127.0.0.1:5432/voice\"\n";
    let c = Config::from_sources(
        Some(toml),
        &env(&[("VOICE_OTP_CLUSTER_SECRET", CLUSTER_SECRET)]),
    )
    .unwrap();
    assert_eq!(
        c.store.url.as_deref(),
        Some("postgres://otp@127.0.0.1:5432/voice")
    );
    let c = Config::from_sources(
        None,
        &env(&[
            ("VOICE_OTP_STORE_URL", "postgresql://otp@db.test/voice"),
            ("VOICE_OTP_CLUSTER_SECRET", CLUSTER_SECRET),
        ]),
    )
    .unwrap();
    assert_eq!(
        c.store.url.as_deref(),
        Some("postgresql://otp@db.test/voice")
    );
}

#[test]
fn path_and_url_together_are_refused() {
    let toml = "[store]\npath = \"/tmp/x.db\"\nurl = \"postgres://otp@127.0.0.1/voice\"\n";
    let err = Config::from_sources(Some(toml), &env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[store] url") && err.contains("[store] path"),
        "{err}"
    );
    // One from the file, one from the environment: the same.
    let err = Config::from_sources(
        Some("[store]\npath = \"/tmp/x.db\"\n"),
        &env(&[("VOICE_OTP_STORE_URL", "postgres://otp@127.0.0.1/voice")]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("[store] path"), "{err}");
}

#[test]
fn bad_url_names_the_key_not_the_password() {
    for url in [
        format!("postgres://otp:{PASSWORD}@127.0.0.1:notaport/voice"),
        format!("mysql://otp:{PASSWORD}@127.0.0.1/voice"),
    ] {
        let err = Config::from_sources(None, &env(&[("VOICE_OTP_STORE_URL", &url)]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("[store] url"), "{err}");
        assert!(!err.contains(PASSWORD), "{err}");
    }
}

#[test]
fn node_id_defaults_to_host_and_http_port() {
    let c = Config::from_sources(Some("[http]\nlisten = \"127.0.0.1:8123\"\n"), &env(&[])).unwrap();
    let id = c.node_id();
    assert!(id.ends_with(":8123") && id.len() > ":8123".len(), "{id}");
    let c = Config::from_sources(None, &env(&[("VOICE_OTP_CLUSTER_NODE_ID", "node-7")])).unwrap();
    assert_eq!(c.node_id(), "node-7");
    let err = Config::from_sources(Some("[cluster]\nnode-id = \"\"\n"), &env(&[]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("[cluster] node-id"), "{err}");
}

/// `voice-otp serve` with `url`: exit code and stderr.
fn serve_with_url(url: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_voice-otp"))
        .arg("serve")
        .current_dir(dir.path())
        .env("VOICE_OTP_STORE_URL", url)
        .env("VOICE_OTP_CLUSTER_SECRET", CLUSTER_SECRET)
        .env("VOICE_OTP_HTTP_LISTEN", "127.0.0.1:0")
        .env("VOICE_OTP_SIP_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout),
    )
}

#[test]
fn serve_stops_on_a_bad_or_unreachable_url_without_showing_the_password() {
    let (code, err) = serve_with_url(&format!("postgres://otp:{PASSWORD}@127.0.0.1:x/voice"));
    assert_ne!(code, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("[store] url"), "{err}");
    assert!(!err.contains(PASSWORD), "{err}");

    // Well formed, but nothing listens there (port 1 on loopback).
    let (code, err) = serve_with_url(&format!("postgres://otp:{PASSWORD}@127.0.0.1:1/voice"));
    assert_ne!(code, 0);
    assert!(err.contains("store"), "{err}");
    assert!(!err.contains(PASSWORD), "{err}");
}

#[test]
fn url_needs_a_long_cluster_secret_that_is_never_shown() {
    let url = ("VOICE_OTP_STORE_URL", "postgres://otp@127.0.0.1/voice");
    let err = Config::from_sources(None, &env(&[url]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("[cluster] secret"), "{err}");
    let short = "only-31-characters-long-secret!";
    assert_eq!(short.len(), 31);
    let err = Config::from_sources(None, &env(&[url, ("VOICE_OTP_CLUSTER_SECRET", short)]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[cluster] secret") && !err.contains(short),
        "{err}"
    );
    // A secret is fine without a URL too (a node being prepared for cluster mode).
    let c =
        Config::from_sources(None, &env(&[("VOICE_OTP_CLUSTER_SECRET", CLUSTER_SECRET)])).unwrap();
    assert!(c.cluster.secret.is_some());
    assert!(!format!("{c:?}").contains(CLUSTER_SECRET));
}

#[test]
fn the_example_placeholder_secret_is_refused() {
    let example = std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../voice-otp.example.toml"),
    )
    .unwrap();
    let line = example
        .lines()
        .find(|l| l.starts_with("# secret = ") && l.contains("replace-me"))
        .expect("the example documents [cluster] secret");
    let toml = format!(
        "[store]\nurl = \"postgres://otp@127.0.0.1/voice\"\n[cluster]\n{}\n",
        &line[2..]
    );
    let err = Config::from_sources(Some(&toml), &env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[cluster] secret") && err.contains("placeholder"),
        "{err}"
    );
    assert!(!err.contains("replace-me"), "{err}");
}
