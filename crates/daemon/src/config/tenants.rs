//! `[[tenants]]`: the clients of one daemon, each with its own tokens, caller IDs and
//! destination policy (issue 12). `[http] tokens` is the tenant named `default`.

use std::collections::HashSet;

use super::keys::apply_guard;
use super::{Config, GuardConfig, Raw};
use crate::error::ConfigError;

/// The token of `voice-otp.example.toml`: a daemon started with it would be open to anyone
/// who read the example.
pub const EXAMPLE_TOKEN: &str = "change-me-to-a-long-random-token";
/// The shortest token accepted: shorter ones can be guessed.
pub const MIN_TOKEN_CHARS: usize = 16;
/// The name of the tenant of `[http] tokens`.
pub const DEFAULT_TENANT: &str = "default";

/// Keys of one `[[tenants]]` entry.
const TENANT_KEYS: &[&str] = &[
    "name",
    "tokens",
    "callers",
    "allowed-countries",
    "denied-number-types",
    "denied-prefixes",
    "callee-calls-per-10m",
    "callee-calls-per-24h",
    "calls-per-second",
    "max-queued-calls",
    "max-callees-per-request",
];

/// One tenant: who it is, how it authenticates, what it may present and dial.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantConfig {
    /// `name`: 1 to 32 characters of `[a-z0-9_-]`; unique.
    pub name: String,
    /// `tokens`: its product tokens, each at least [`MIN_TOKEN_CHARS`] long.
    pub tokens: Vec<String>,
    /// `callers`: caller IDs it may present, as E.164 numbers or prefixes (`+3120`);
    /// `None` (the default): any.
    pub callers: Option<Vec<String>>,
    /// Its destination policy: `[guard]`, with the keys the entry sets replacing
    /// `[guard]`'s.
    pub guard: GuardConfig,
}

impl TenantConfig {
    /// Whether the tenant may present `caller` (an E.164 number).
    pub fn may_present(&self, caller: &str) -> bool {
        self.callers
            .as_ref()
            .is_none_or(|list| list.iter().any(|p| caller.starts_with(p.as_str())))
    }
}

fn invalid(index: usize, key: &str, expected: &'static str, got: String) -> ConfigError {
    ConfigError::Invalid {
        key: format!("[[tenants]] #{} {key}", index + 1),
        expected,
        got,
    }
}

/// Parses the `tenants` array of the file, each entry's policy starting from `base`.
pub(super) fn parse(
    value: &toml::Value,
    base: &GuardConfig,
) -> Result<Vec<TenantConfig>, ConfigError> {
    let entries = value.as_array().ok_or_else(|| ConfigError::Invalid {
        key: "[[tenants]]".to_owned(),
        expected: "an array of tables",
        got: value.type_str().to_owned(),
    })?;
    let mut tenants = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let table = entry
            .as_table()
            .ok_or_else(|| invalid(i, "", "a table", entry.type_str().to_owned()))?;
        if let Some(key) = table.keys().find(|k| !TENANT_KEYS.contains(&k.as_str())) {
            return Err(ConfigError::UnknownKey {
                key: format!("[[tenants]] #{} {key}", i + 1),
            });
        }
        let name = table
            .get("name")
            .and_then(|v| v.as_str())
            .filter(|n| {
                (1..=32).contains(&n.len())
                    && n.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                    })
            })
            .ok_or_else(|| {
                let got = table
                    .get("name")
                    .map_or("nothing".to_owned(), |v| v.to_string());
                invalid(i, "name", "1 to 32 characters of [a-z0-9_-]", got)
            })?
            .to_owned();
        let tokens = table
            .get("tokens")
            .and_then(|v| Raw::Toml(v).strings())
            .filter(|t| !t.is_empty() && t.iter().all(|t| !t.is_empty()))
            .ok_or_else(|| {
                invalid(
                    i,
                    "tokens",
                    "a non-empty list of tokens",
                    "<redacted>".to_owned(),
                )
            })?;
        let callers = match table.get("callers") {
            None => None,
            Some(v) => Some(
                Raw::Toml(v)
                    .strings()
                    .filter(|list| list.iter().all(|p| is_e164_prefix(p)))
                    .ok_or_else(|| {
                        invalid(
                            i,
                            "callers",
                            "a list of E.164 numbers or prefixes like \"+3120\"",
                            v.to_string(),
                        )
                    })?,
            ),
        };
        let mut guard = base.clone();
        for key in TENANT_KEYS.iter().skip(3).copied() {
            if let Some(v) = table.get(key) {
                apply_guard(&mut guard, key, &Raw::Toml(v))
                    .map_err(|expected| invalid(i, key, expected, v.to_string()))?;
            }
        }
        tenants.push(TenantConfig {
            name,
            tokens,
            callers,
            guard,
        });
    }
    Ok(tenants)
}

/// `+` and 1 to 15 digits.
pub(super) fn is_e164_prefix(p: &str) -> bool {
    p.strip_prefix('+')
        .is_some_and(|d| (1..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

impl Config {
    /// Every tenant: `default` (from `[http] tokens`, with `[guard]` and any caller) when
    /// it has tokens, then the `[[tenants]]` entries.
    pub fn all_tenants(&self) -> Vec<TenantConfig> {
        let mut all = Vec::new();
        if !self.http.tokens.is_empty() {
            all.push(TenantConfig {
                name: DEFAULT_TENANT.to_owned(),
                tokens: self.http.tokens.clone(),
                callers: None,
                guard: self.guard.clone(),
            });
        }
        all.extend(self.tenants.iter().cloned());
        all
    }

    /// The checks made when the daemon starts: every token at least
    /// [`MIN_TOKEN_CHARS`] long and not the example's placeholder, no token shared by
    /// two tenants, no name used twice.
    pub fn check_tenants(&self) -> Result<(), ConfigError> {
        let mut names = HashSet::new();
        let mut tokens = HashSet::new();
        for tenant in self.all_tenants() {
            let key = if tenant.name == DEFAULT_TENANT
                && self.tenants.iter().all(|t| t.name != DEFAULT_TENANT)
            {
                "[http] tokens".to_owned()
            } else {
                format!("[[tenants]] {} tokens", tenant.name)
            };
            if !names.insert(tenant.name.clone()) {
                return Err(ConfigError::Invalid {
                    key: format!("[[tenants]] {}", tenant.name),
                    expected: "a name no other tenant has (`default` is the tenant of [http] tokens)",
                    got: tenant.name.clone(),
                });
            }
            for token in &tenant.tokens {
                let (expected, got) = if token == EXAMPLE_TOKEN {
                    (
                        "a token of your own, not the example config's placeholder",
                        EXAMPLE_TOKEN.to_owned(),
                    )
                } else if token.chars().count() < MIN_TOKEN_CHARS {
                    (
                        "tokens of at least 16 characters",
                        format!("a token of {} characters", token.chars().count()),
                    )
                } else if !tokens.insert(token.clone()) {
                    ("a token no other tenant has", "<redacted>".to_owned())
                } else {
                    continue;
                };
                return Err(ConfigError::Invalid {
                    key: key.clone(),
                    expected,
                    got,
                });
            }
        }
        Ok(())
    }
}
