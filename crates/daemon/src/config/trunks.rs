//! `[[trunks]]`: the trunk group (issue 14). Each entry is one SIP trunk with its own
//! address, transport, credentials and call budget; a call goes to the best trunk with
//! budget left and fails over to the next on 503, 408 or a timeout (docs/trunks.md).
//! Without `[[trunks]]`, `[sip] trunk` is a group of one trunk named `default`.

use std::collections::HashSet;
use std::path::PathBuf;

use super::{Config, Raw, SipTransport};
use crate::error::ConfigError;

/// The name of the one trunk `[sip] trunk` describes.
pub const DEFAULT_TRUNK: &str = "default";

/// Keys of one `[[trunks]]` entry besides [`CONNECTION_KEYS`].
const TRUNK_KEYS: &[&str] = &[
    "name",
    "address",
    "max-cps",
    "max-concurrent",
    "priority",
    "weight",
];

/// How a trunk is reached: keys of a `[[trunks]]` entry that `[sip]` also has for its one
/// trunk. With `[[trunks]]` each entry sets its own, so setting them (or `[sip] trunk`)
/// in `[sip]` as well is refused rather than silently ignored.
pub(super) const CONNECTION_KEYS: &[&str] = &[
    "transport",
    "username",
    "password",
    "tls-ca",
    "tls-server-name",
    "tls-cert",
    "tls-key",
];

/// One SIP trunk of the group.
#[derive(Debug, Clone, PartialEq)]
pub struct TrunkConfig {
    /// `name`: 1 to 32 characters of `[a-z0-9_-]`, unique; it labels logs and metrics.
    pub name: String,
    /// `address`: `host:port` (or a name) of the trunk.
    pub address: String,
    /// `transport`: `udp` (default), `tcp` or `tls`.
    pub transport: SipTransport,
    /// `username` for digest auth; empty: none.
    pub username: String,
    /// `password` for digest auth.
    pub password: String,
    /// `tls-ca`: as `[sip] tls-ca`, for this trunk.
    pub tls_ca: Option<PathBuf>,
    /// `tls-server-name`: as `[sip] tls-server-name`, for this trunk.
    pub tls_server_name: Option<String>,
    /// `tls-cert`: as `[sip] tls-cert`, for this trunk.
    pub tls_cert: Option<PathBuf>,
    /// `tls-key`: as `[sip] tls-key`, for this trunk.
    pub tls_key: Option<PathBuf>,
    /// `max-cps`: INVITEs per second at most (in any 1 s window); `None`: no limit.
    pub max_cps: Option<u32>,
    /// `max-concurrent`: calls in progress on the trunk at most; `None`: no limit.
    pub max_concurrent: Option<u32>,
    /// `priority`: lower numbers are tried first (default 0).
    pub priority: u32,
    /// `weight`: share of calls among trunks of equal priority (default 1).
    pub weight: u32,
}

impl TrunkConfig {
    /// The trunk `[sip]` describes (`[sip] trunk`, transport, credentials, TLS), with no
    /// budget: what a configuration without `[[trunks]]` dials through.
    fn from_sip(config: &Config) -> Self {
        let sip = &config.sip;
        TrunkConfig {
            name: DEFAULT_TRUNK.to_owned(),
            address: sip.trunk.clone(),
            transport: sip.transport,
            username: sip.username.clone(),
            password: sip.password.clone(),
            tls_ca: sip.tls_ca.clone(),
            tls_server_name: sip.tls_server_name.clone(),
            tls_cert: sip.tls_cert.clone(),
            tls_key: sip.tls_key.clone(),
            max_cps: None,
            max_concurrent: None,
            priority: 0,
            weight: 1,
        }
    }
}

impl Config {
    /// The trunks calls go through: the `[[trunks]]` entries, or the one `[sip]` trunk.
    pub fn trunk_group(&self) -> Vec<TrunkConfig> {
        if self.trunks.is_empty() {
            vec![TrunkConfig::from_sip(self)]
        } else {
            self.trunks.clone()
        }
    }
}

fn invalid(index: usize, key: &str, expected: &'static str, got: String) -> ConfigError {
    ConfigError::Invalid {
        key: format!("[[trunks]] #{} {key}", index + 1),
        expected,
        got,
    }
}

/// Parses the `trunks` array of the file. `sip_keys_set` lists the per-trunk `[sip]` keys
/// the file or the environment set: any of them next to `[[trunks]]` is an error.
pub(super) fn parse(
    value: &toml::Value,
    sip_keys_set: &[&str],
) -> Result<Vec<TrunkConfig>, ConfigError> {
    let entries = value.as_array().ok_or_else(|| ConfigError::Invalid {
        key: "[[trunks]]".to_owned(),
        expected: "an array of tables",
        got: value.type_str().to_owned(),
    })?;
    if let Some(key) = sip_keys_set.first() {
        return Err(ConfigError::Invalid {
            key: format!("[sip] {key}"),
            expected: "no per-trunk [sip] key (trunk, transport, credentials, tls-*) when [[trunks]] is used: set it in each [[trunks]] entry",
            got: "set together with [[trunks]]".to_owned(),
        });
    }
    if entries.is_empty() {
        return Err(ConfigError::Invalid {
            key: "[[trunks]]".to_owned(),
            expected: "at least one trunk",
            got: "an empty array".to_owned(),
        });
    }
    let mut trunks: Vec<TrunkConfig> = Vec::new();
    let mut names = HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let table = entry
            .as_table()
            .ok_or_else(|| invalid(i, "", "a table", entry.type_str().to_owned()))?;
        let trunk = parse_entry(i, table)?;
        if !names.insert(trunk.name.clone()) {
            return Err(invalid(
                i,
                "name",
                "a name no other trunk has",
                trunk.name.clone(),
            ));
        }
        trunks.push(trunk);
    }
    Ok(trunks)
}

/// One `[[trunks]]` table.
fn parse_entry(i: usize, table: &toml::Table) -> Result<TrunkConfig, ConfigError> {
    let known = |k: &str| TRUNK_KEYS.contains(&k) || CONNECTION_KEYS.contains(&k);
    if let Some(key) = table.keys().find(|k| !known(k)) {
        return Err(ConfigError::UnknownKey {
            key: format!("[[trunks]] #{} {key}", i + 1),
        });
    }
    let got = |key: &str| shown(table, key);
    let text = |key: &str| table.get(key).and_then(|v| Raw::Toml(v).string());
    let name = text("name")
        .filter(|n| {
            (1..=32).contains(&n.len())
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
        .ok_or_else(|| invalid(i, "name", "1 to 32 characters of [a-z0-9_-]", got("name")))?;
    let address = text("address").filter(|a| is_host_port(a)).ok_or_else(|| {
        invalid(
            i,
            "address",
            "host:port like \"sip.example.net:5060\" or \"[2001:db8::1]:5060\"",
            got("address"),
        )
    })?;
    let transport = transport(i, table)?;
    let string = |key: &'static str| match table.get(key) {
        None => Ok(None),
        Some(v) => Raw::Toml(v)
            .string()
            .filter(|s| key == "password" || key == "username" || !s.trim().is_empty())
            .map(Some)
            .ok_or_else(|| invalid(i, key, "a non-empty string", got(key))),
    };
    let number =
        |key: &'static str, range: std::ops::RangeInclusive<i64>, expected| match table.get(key) {
            None => Ok(None),
            Some(v) => Raw::Toml(v)
                .integer()
                .filter(|n| range.contains(n))
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| invalid(i, key, expected, got(key))),
        };
    let trunk = TrunkConfig {
        name,
        address,
        transport,
        username: string("username")?.unwrap_or_default(),
        password: string("password")?.unwrap_or_default(),
        tls_ca: string("tls-ca")?.map(PathBuf::from),
        tls_server_name: string("tls-server-name")?,
        tls_cert: string("tls-cert")?.map(PathBuf::from),
        tls_key: string("tls-key")?.map(PathBuf::from),
        max_cps: number("max-cps", 1..=10_000, "an integer from 1 to 10000")?,
        max_concurrent: number(
            "max-concurrent",
            1..=1_000_000,
            "an integer from 1 to 1000000",
        )?,
        priority: number("priority", 0..=1_000, "an integer from 0 (first) to 1000")?.unwrap_or(0),
        weight: number("weight", 1..=1_000, "an integer from 1 to 1000")?.unwrap_or(1),
    };
    if trunk.tls_cert.is_some() != trunk.tls_key.is_some() {
        return Err(invalid(
            i,
            "tls-cert",
            "tls-cert and tls-key both set, or neither",
            "only one of them".to_owned(),
        ));
    }
    Ok(trunk)
}

/// How a bad value of `key` is shown in the error: the value, `nothing` when absent, and
/// never a password.
fn shown(table: &toml::Table, key: &str) -> String {
    table.get(key).map_or("nothing".to_owned(), |v| match key {
        "password" => "<redacted>".to_owned(),
        _ => v.to_string(),
    })
}

/// The entry's `transport` (default `udp`).
fn transport(i: usize, table: &toml::Table) -> Result<SipTransport, ConfigError> {
    let Some(value) = table.get("transport") else {
        return Ok(SipTransport::Udp);
    };
    match Raw::Toml(value)
        .string()
        .map(|s| s.to_ascii_lowercase())
        .as_deref()
    {
        Some("udp") => Ok(SipTransport::Udp),
        Some("tcp") => Ok(SipTransport::Tcp),
        Some("tls") => Ok(SipTransport::Tls),
        _ => Err(invalid(
            i,
            "transport",
            "\"udp\", \"tcp\" or \"tls\"",
            shown(table, "transport"),
        )),
    }
}

/// `host:port` with a non-empty host (a name, an IPv4 address or a bracketed IPv6 one)
/// and a port from 1 to 65535.
fn is_host_port(text: &str) -> bool {
    let Some((host, port)) = text.rsplit_once(':') else {
        return false;
    };
    let host_ok = match host.strip_prefix('[') {
        Some(v6) => v6
            .strip_suffix(']')
            .is_some_and(|a| a.parse::<std::net::Ipv6Addr>().is_ok()),
        None => {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        }
    };
    host_ok && port.parse::<u16>().is_ok_and(|p| p > 0)
}
