//! The daemon configuration: a TOML file plus `VOICE_OTP_<SECTION>_<KEY>` environment
//! overrides (spec section 5).
//!
//! Keys are read by hand rather than through serde so that every mistake becomes one line
//! naming the key, e.g. `[calls] max-concurrent: must be an integer >= 1, got "x"`.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use voice_otp_sip::{NetworkList, SrtpPolicy};

use crate::error::ConfigError;

mod keys;
mod tenants;
mod trunks;
pub use tenants::{DEFAULT_TENANT, EXAMPLE_TOKEN, MIN_TOKEN_CHARS, TenantConfig};
pub use trunks::{DEFAULT_TRUNK, TrunkConfig};

/// SIP transport towards the trunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SipTransport {
    /// RFC 3261 over UDP.
    Udp,
    /// RFC 3261 over TCP.
    Tcp,
    /// RFC 3261 over TLS (1.2 or 1.3) to the trunk, its certificate verified.
    Tls,
}

/// An inclusive range of UDP ports for RTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    /// First port.
    pub first: u16,
    /// Last port (inclusive).
    pub last: u16,
}

impl PortRange {
    /// How many even/odd (RTP/RTCP) pairs the range holds: one per concurrent call.
    pub fn pairs(&self) -> usize {
        let first_even = u32::from(self.first) + u32::from(self.first % 2);
        let end = u32::from(self.last) + 1;
        (end.saturating_sub(first_even) / 2) as usize
    }
}

/// `[http]`: the API listener.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpConfig {
    /// Address the API binds (`listen`).
    pub listen: SocketAddr,
    /// Accepted product tokens (`tokens`).
    pub tokens: Vec<String>,
    /// `max-connections`: open connections at most. Beyond it a new connection closes the
    /// oldest one that has no request in progress, or is closed itself. Default 512.
    pub max_connections: usize,
    /// `header-timeout`: the longest a client may take to send a request head, from the
    /// connection or from its first byte after an idle spell. Default 10 s.
    pub header_timeout: Duration,
    /// `body-timeout`: the longest a client may take to send a request body after its head
    /// (uploads included). Default 10 s.
    pub body_timeout: Duration,
    /// `idle-timeout`: how long a kept-alive connection may sit between requests without
    /// traffic. Default 60 s.
    pub idle_timeout: Duration,
    /// `metrics-token`: when set, `GET /metrics` needs `Authorization: Bearer <it>` (the API
    /// tokens do not open it). Default: none, `/metrics` is open.
    pub metrics_token: Option<String>,
}

/// `[sip]`: the user agent and the trunk.
#[derive(Debug, Clone, PartialEq)]
pub struct SipConfig {
    /// Local SIP address (`listen`).
    pub listen: SocketAddr,
    /// `transport`: `udp`, `tcp` or `tls`.
    pub transport: SipTransport,
    /// `trunk`: `host:port` (or a name) of the SIP trunk.
    pub trunk: String,
    /// `from-domain`: the host part of the From URI.
    pub from_domain: String,
    /// `username` for digest auth; empty: none.
    pub username: String,
    /// `password` for digest auth.
    pub password: String,
    /// `keepalive`: interval of OPTIONS pings to the trunk whose answers feed `/healthz`;
    /// `0s` (the default) sends none, since some trunks count unexpected OPTIONS as errors.
    pub keepalive: Duration,
    /// `t1`: RFC 3261's round-trip estimate T1, the base of every SIP timer: INVITE
    /// retransmissions start at T1 and timer B (no answer at all from the trunk, then the
    /// next trunk of `[[trunks]]` is tried) fires at 64 x T1. Default 500 ms (timer B 32 s);
    /// 10 ms to 4 s. A trunk on a known short path may take less, so a silent trunk is
    /// failed over sooner.
    pub t1: Duration,
    /// `accept-from`: addresses and networks whose SIP datagrams are read at all; others get
    /// no answer and are counted. `None` (the default): the trunk's resolved addresses.
    pub accept_from: Option<NetworkList>,
    /// `tls-ca`: PEM file of the CAs the trunk's TLS certificate must chain to. `None` (the
    /// default): the system's trusted roots.
    pub tls_ca: Option<PathBuf>,
    /// `tls-server-name`: the name the trunk's certificate must hold. `None` (the default):
    /// the host of `trunk`.
    pub tls_server_name: Option<String>,
    /// `tls-cert`: PEM certificate chain presented to the trunk (mutual TLS), with
    /// `tls-key`. `None` (the default): no client certificate.
    pub tls_cert: Option<PathBuf>,
    /// `tls-key`: PEM private key of `tls-cert`.
    pub tls_key: Option<PathBuf>,
}

/// `[rtp]`: media addresses and how the media is paced.
#[derive(Debug, Clone, PartialEq)]
pub struct RtpConfig {
    /// `ip`: put in SDP and bound for media.
    pub ip: IpAddr,
    /// `ports`: `first-last`.
    pub ports: PortRange,
    /// `realtime-priority`: `SCHED_FIFO` priority (1..=99) of the RTP pacing threads, so a
    /// pacer preempts the daemon's other threads when a packet is due and the callee hears
    /// no jitter under load; 0 leaves them time-sharing. Default 10.
    pub realtime_priority: u8,
    /// `peer-networks`: networks the far end's SDP may put media in; a `c=` address outside
    /// them (or unspecified, multicast, broadcast) fails the call. Default: any.
    pub peer_networks: NetworkList,
    /// `latching`: `"symmetric"` (default: a stream may follow the far end to another port
    /// of its SDP IP, once, in the first 2 s after the answer, for NAT) or `"strict"` (RTP
    /// only from the SDP address and port). Packets from any other source are dropped.
    pub latching: voice_otp_rtp::Latching,
    /// `srtp`: `"off"` (default: plain RTP), `"optional"` (offer SRTP with SDES keys, plain
    /// RTP if the far end answers `RTP/AVP`) or `"required"` (an answer without SRTP fails
    /// the call; only with `[sip] transport = "tls"`, as SDES keys in clear SIP protect
    /// nothing).
    pub srtp: SrtpPolicy,
}

/// `[store]`: the database. SQLite at `path` unless `url` names a PostgreSQL database.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreConfig {
    /// `path` of the SQLite database file.
    pub path: PathBuf,
    /// `url`: `postgres://user[:password]@host[:port]/database` selects PostgreSQL (cluster
    /// mode). Holds a password when the URL does: never logged.
    pub url: Option<String>,
}

/// `[cluster]`: this node among the daemons that share one PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClusterConfig {
    /// `node-id`: this daemon's name in the store; by default the host name, `:` and the
    /// HTTP port ([`Config::node_id`]).
    pub node_id: Option<String>,
    /// `secret` (also `VOICE_OTP_CLUSTER_SECRET`): seals the call specs waiting in the
    /// shared queue (docs/cluster.md). Required with `[store] url`; never logged.
    pub secret: Option<crate::cluster::sealed::ClusterSecret>,
}

/// `[audio]`: the audio store.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioConfig {
    /// `dir`: uploaded files.
    pub dir: PathBuf,
    /// `defaults`: the shipped spelling sets and prompts.
    pub defaults: PathBuf,
    /// `recorded`: human spelling sets imported by `voice-otp audio import-asterisk` (by
    /// `make`), read instead of the synthesised ones for the languages they cover. A
    /// missing directory means none. Default `./data/voices`.
    pub recorded: PathBuf,
    /// `letter-style`: how the letters of a Default code are read when a request has no
    /// `letter-style`: `"name"` ("N"), `"phonetic"` ("N, November") or `"by-voice"` (`None`:
    /// each spelling set's own, phonetic for a recorded human set, by name for a
    /// synthesised one, as measured clearest in docs/intelligibility.md). Default
    /// `"by-voice"`.
    pub letter_style: Option<voice_otp_media::LetterStyle>,
    /// `cache-bytes`: byte budget of the in-memory prompt cache, least recently used
    /// evicted first; 0 keeps no prompt. Default 64 MiB.
    pub cache_bytes: usize,
    /// `max-prompt-seconds`: the longest a TTS or SSML prompt may speak; espeak-ng is
    /// stopped there and the call fails as 11 "audio could not be rendered". Default 120.
    pub max_prompt: Duration,
    /// `char-gap`: silence between two characters of a code, 0 to 2 s. Default 300 ms.
    pub char_gap: Duration,
    /// `group-gap`: silence after each group of 3 characters in codes of 6 or more, 0 to
    /// 5 s. Default 800 ms.
    pub group_gap: Duration,
    /// `repeat-last-group`: after a code of 6 or more characters, read its last group once
    /// more, after a `group-gap`. Default false (see docs/intelligibility.md "Pacing").
    pub repeat_last_group: bool,
}

/// `[callbacks]`: delivery of the finished event.
#[derive(Debug, Clone, PartialEq)]
pub struct CallbacksConfig {
    /// `secret`: HMAC key for `X-Voice-OTP-Signature`; empty: unsigned.
    pub secret: String,
    /// `timeout`: per-attempt HTTP timeout.
    pub timeout: Duration,
    /// `retry-for`: how long a failing delivery is retried (at least 24 h by default).
    pub retry_for: Duration,
    /// `initial-backoff`: delay before the first retry; doubles per attempt.
    pub initial_backoff: Duration,
    /// `max-backoff`: cap of the delay between attempts.
    pub max_backoff: Duration,
    /// `allow-private-networks`: let callbacks reach loopback, private, link-local, CGNAT
    /// and other non-public addresses (on-premises receivers, tests). Default false: such
    /// a literal host is a 400, and a name resolving only to such addresses is not
    /// delivered.
    pub allow_private_networks: bool,
}

/// `[calls]`: limits of the call queue and the calls.
#[derive(Debug, Clone, PartialEq)]
pub struct CallsConfig {
    /// `max-concurrent`: live calls at once; more are queued, never refused.
    pub max_concurrent: usize,
    /// `replay-wait`: how long to wait for a key after the replay prompt.
    pub replay_wait: Duration,
    /// `max-call-duration`: guard that hangs up a call running longer than this.
    pub max_call_duration: Duration,
    /// `opus`: offer Opus in SDP besides PCMA/PCMU.
    pub opus: bool,
    /// `require-keypress`: OTP calls say "press N to hear your code" and read the code only
    /// after that key, unless the request says otherwise (default false).
    pub require_keypress: bool,
}

/// `[guard]`: where calls may go (issue 12). A refused callee is a 400 naming it and the
/// rule, or a `call-skipped` result under `disable-callees-validation`.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardConfig {
    /// `allowed-countries`: ISO 3166 alpha-2 codes (upper case) a callee's number may belong
    /// to. `None` (the default): any country.
    pub allowed_countries: Option<Vec<String>>,
    /// `denied-number-types`: libphonenumber number types refused, by name (see
    /// [`NUMBER_TYPES`]). Default: premium-rate, shared-cost, uan, personal-number, pager,
    /// voicemail and unknown.
    pub denied_number_types: Vec<String>,
    /// `denied-prefixes`: E.164 prefixes (`+` and digits) refused. Default none.
    pub denied_prefixes: Vec<String>,
    /// Velocity and volume limits (a request over one is a 429).
    pub limits: VelocityLimits,
}

/// The velocity and volume limits of `[guard]` (and of a tenant). Counted from the calls
/// in the store, so they hold across a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VelocityLimits {
    /// `callee-calls-per-10m`: calls to one number (by any tenant) in 10 minutes. Default 3.
    pub callee_per_10m: u32,
    /// `callee-calls-per-24h`: calls to one number (by any tenant) in 24 hours. Default 10.
    pub callee_per_24h: u32,
    /// `calls-per-second`: a request is refused while the tenant's calls accepted in the
    /// last second reach this. Default 50.
    pub calls_per_second: u32,
    /// `max-queued-calls`: the tenant's calls not yet ended, at most. Default 1000.
    pub max_queued_calls: u32,
    /// `max-callees-per-request`: callees of one request, at most. Default 100.
    pub max_callees_per_request: u32,
}

impl Default for VelocityLimits {
    fn default() -> Self {
        VelocityLimits {
            callee_per_10m: 3,
            callee_per_24h: 10,
            calls_per_second: 50,
            max_queued_calls: 1000,
            max_callees_per_request: 100,
        }
    }
}

/// The libphonenumber number types, as named in `[guard] denied-number-types`.
pub const NUMBER_TYPES: &[&str] = &[
    "fixed-line",
    "mobile",
    "fixed-line-or-mobile",
    "toll-free",
    "premium-rate",
    "shared-cost",
    "personal-number",
    "voip",
    "pager",
    "uan",
    "emergency",
    "voicemail",
    "short-code",
    "standard-rate",
    "carrier",
    "no-international",
    "unknown",
];

impl Default for GuardConfig {
    fn default() -> Self {
        GuardConfig {
            allowed_countries: None,
            denied_number_types: [
                "premium-rate",
                "shared-cost",
                "uan",
                "personal-number",
                "pager",
                "voicemail",
                "unknown",
            ]
            .map(str::to_owned)
            .to_vec(),
            denied_prefixes: Vec::new(),
            limits: VelocityLimits::default(),
        }
    }
}

/// `[log]`: tracing output of `serve`.
#[derive(Debug, Clone, PartialEq)]
pub struct LogConfig {
    /// `level`: a tracing filter such as `info` or `voice_otp_daemon=debug`.
    pub level: String,
    /// `json`: one JSON object per line instead of text.
    pub json: bool,
}

/// The whole configuration. [`Config::default`] is the loopback setup of spec section 5.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `[http]`.
    pub http: HttpConfig,
    /// `[sip]`.
    pub sip: SipConfig,
    /// `[rtp]`.
    pub rtp: RtpConfig,
    /// `[store]`.
    pub store: StoreConfig,
    /// `[cluster]`.
    pub cluster: ClusterConfig,
    /// `[audio]`.
    pub audio: AudioConfig,
    /// `[callbacks]`.
    pub callbacks: CallbacksConfig,
    /// `[calls]`.
    pub calls: CallsConfig,
    /// `[log]`.
    pub log: LogConfig,
    /// `[guard]`.
    pub guard: GuardConfig,
    /// `[[tenants]]`, besides the `default` tenant of `[http] tokens`.
    pub tenants: Vec<TenantConfig>,
    /// `[[trunks]]`; empty: the one trunk of `[sip]` (see [`Config::trunk_group`]).
    pub trunks: Vec<TrunkConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            http: HttpConfig {
                listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
                tokens: Vec::new(),
                max_connections: 512,
                header_timeout: Duration::from_secs(10),
                body_timeout: Duration::from_secs(10),
                idle_timeout: Duration::from_secs(60),
                metrics_token: None,
            },
            sip: SipConfig {
                listen: SocketAddr::from(([127, 0, 0, 1], 5060)),
                transport: SipTransport::Udp,
                trunk: "127.0.0.1:5070".to_owned(),
                from_domain: "127.0.0.1".to_owned(),
                username: String::new(),
                password: String::new(),
                keepalive: Duration::ZERO,
                t1: Duration::from_millis(500),
                accept_from: None,
                tls_ca: None,
                tls_server_name: None,
                tls_cert: None,
                tls_key: None,
            },
            rtp: RtpConfig {
                ip: IpAddr::from([127, 0, 0, 1]),
                ports: PortRange {
                    first: 20000,
                    last: 30000,
                },
                realtime_priority: 10,
                peer_networks: NetworkList::any(),
                latching: voice_otp_rtp::Latching::Symmetric,
                srtp: SrtpPolicy::Off,
            },
            store: StoreConfig {
                path: PathBuf::from("./data/voice-otp.db"),
                url: None,
            },
            cluster: ClusterConfig::default(),
            audio: AudioConfig {
                dir: PathBuf::from("./data/audio"),
                defaults: PathBuf::from("./audio"),
                recorded: PathBuf::from("./data/voices"),
                letter_style: None,
                cache_bytes: 64 * 1024 * 1024,
                max_prompt: Duration::from_secs(120),
                char_gap: Duration::from_millis(300),
                group_gap: Duration::from_millis(800),
                repeat_last_group: false,
            },
            callbacks: CallbacksConfig {
                secret: String::new(),
                timeout: Duration::from_secs(10),
                retry_for: Duration::from_secs(25 * 3600),
                initial_backoff: Duration::from_secs(2),
                max_backoff: Duration::from_secs(3600),
                allow_private_networks: false,
            },
            calls: CallsConfig {
                max_concurrent: 1000,
                // The call crate's defaults, so an empty `[calls]` and a bare
                // `CallSettings::default()` mean the same call.
                replay_wait: voice_otp_call::DEFAULT_REPLAY_WAIT,
                max_call_duration: voice_otp_call::flow::DEFAULT_MAX_DURATION,
                opus: false,
                require_keypress: false,
            },
            log: LogConfig {
                level: "info".to_owned(),
                json: false,
            },
            guard: GuardConfig::default(),
            tenants: Vec::new(),
            trunks: Vec::new(),
        }
    }
}

/// A raw value before it is checked: from the TOML file or from an environment variable.
enum Raw<'a> {
    Toml(&'a toml::Value),
    Env(&'a str),
}

impl Raw<'_> {
    fn describe(&self) -> String {
        match self {
            Raw::Toml(v) => v.to_string(),
            Raw::Env(s) => format!("{s:?}"),
        }
    }

    fn string(&self) -> Option<String> {
        match self {
            Raw::Toml(toml::Value::String(s)) => Some(s.clone()),
            Raw::Toml(_) => None,
            Raw::Env(s) => Some((*s).to_owned()),
        }
    }

    fn integer(&self) -> Option<i64> {
        match self {
            Raw::Toml(toml::Value::Integer(i)) => Some(*i),
            Raw::Toml(_) => None,
            Raw::Env(s) => s.trim().parse().ok(),
        }
    }

    fn boolean(&self) -> Option<bool> {
        match self {
            Raw::Toml(toml::Value::Boolean(b)) => Some(*b),
            Raw::Toml(_) => None,
            Raw::Env(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Some(true),
                "false" | "0" | "no" | "off" => Some(false),
                _ => None,
            },
        }
    }

    /// A list of strings; from the environment it is comma-separated.
    fn strings(&self) -> Option<Vec<String>> {
        match self {
            Raw::Toml(toml::Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Raw::Toml(_) => None,
            Raw::Env(s) => Some(
                s.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
        }
    }

    /// `"5s"`, `"250ms"`, `"2m"`, `"24h"`, or an integer number of seconds.
    fn duration(&self) -> Option<Duration> {
        match self {
            Raw::Toml(toml::Value::Integer(i)) => u64::try_from(*i).ok().map(Duration::from_secs),
            Raw::Toml(toml::Value::String(s)) => parse_duration(s),
            Raw::Toml(_) => None,
            Raw::Env(s) => parse_duration(s),
        }
    }
}

/// Parses `"250ms"`, `"5s"`, `"2m"`, `"24h"` or a bare number of seconds.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let unit_ms: u64 = match unit.trim() {
        "" | "s" => 1000,
        "ms" => 1,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    n.checked_mul(unit_ms).map(Duration::from_millis)
}

/// Every known key: (section, key). The env name is derived from it.
const KEYS: &[(&str, &str)] = &[
    ("http", "listen"),
    ("http", "tokens"),
    ("http", "max-connections"),
    ("http", "header-timeout"),
    ("http", "body-timeout"),
    ("http", "idle-timeout"),
    ("http", "metrics-token"),
    ("sip", "listen"),
    ("sip", "transport"),
    ("sip", "trunk"),
    ("sip", "from-domain"),
    ("sip", "username"),
    ("sip", "password"),
    ("sip", "keepalive"),
    ("sip", "t1"),
    ("sip", "accept-from"),
    ("sip", "tls-ca"),
    ("sip", "tls-server-name"),
    ("sip", "tls-cert"),
    ("sip", "tls-key"),
    ("rtp", "ip"),
    ("rtp", "ports"),
    ("rtp", "realtime-priority"),
    ("rtp", "peer-networks"),
    ("rtp", "latching"),
    ("rtp", "srtp"),
    ("store", "path"),
    ("store", "url"),
    ("cluster", "node-id"),
    ("cluster", "secret"),
    ("audio", "dir"),
    ("audio", "defaults"),
    ("audio", "recorded"),
    ("audio", "letter-style"),
    ("audio", "cache-bytes"),
    ("audio", "max-prompt-seconds"),
    ("audio", "char-gap"),
    ("audio", "group-gap"),
    ("audio", "repeat-last-group"),
    ("callbacks", "secret"),
    ("callbacks", "timeout"),
    ("callbacks", "retry-for"),
    ("callbacks", "initial-backoff"),
    ("callbacks", "max-backoff"),
    ("callbacks", "allow-private-networks"),
    ("calls", "max-concurrent"),
    ("calls", "replay-wait"),
    ("calls", "max-call-duration"),
    ("calls", "opus"),
    ("calls", "require-keypress"),
    ("guard", "allowed-countries"),
    ("guard", "denied-number-types"),
    ("guard", "denied-prefixes"),
    ("guard", "callee-calls-per-10m"),
    ("guard", "callee-calls-per-24h"),
    ("guard", "calls-per-second"),
    ("guard", "max-queued-calls"),
    ("guard", "max-callees-per-request"),
    ("log", "level"),
    ("log", "json"),
];

/// The environment variable that overrides `[section] key`.
pub fn env_var_name(section: &str, key: &str) -> String {
    format!(
        "VOICE_OTP_{}_{}",
        section.to_ascii_uppercase(),
        key.to_ascii_uppercase().replace('-', "_")
    )
}

impl Config {
    /// Reads `path` (if given) and applies the process environment on top.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let text = match path {
            Some(p) => Some(std::fs::read_to_string(p).map_err(|e| ConfigError::Read {
                path: p.display().to_string(),
                reason: e.to_string(),
            })?),
            None => None,
        };
        let env: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("VOICE_OTP_"))
            .collect();
        Config::from_sources(text.as_deref(), &env)
    }

    /// Builds a configuration from TOML text (if any) and environment variables; the
    /// environment wins. Unknown sections and keys, and `VOICE_OTP_<SECTION>_*` variables
    /// that name no key of a known section, are errors.
    pub fn from_sources(
        toml_text: Option<&str>,
        env: &BTreeMap<String, String>,
    ) -> Result<Config, ConfigError> {
        let table: toml::Table = match toml_text {
            Some(text) => text
                .parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    reason: e.message().replace('\n', " "),
                })?,
            None => toml::Table::new(),
        };
        refuse_unknown_keys(&table, env)?;

        let mut config = Config::default();
        for (section, key) in KEYS {
            let env_name = env_var_name(section, key);
            let raw = if let Some(v) = env.get(&env_name) {
                Raw::Env(v.as_str())
            } else if let Some(v) = table.get(*section).and_then(|s| s.get(*key)) {
                Raw::Toml(v)
            } else {
                continue;
            };
            keys::apply(&mut config, section, key, &raw).map_err(|expected| {
                ConfigError::Invalid {
                    key: format!("[{section}] {key}"),
                    expected,
                    // Secrets must not end up in an error line on a terminal or in a journal.
                    got: if matches!(
                        *key,
                        "tokens" | "password" | "secret" | "metrics-token" | "url"
                    ) {
                        "<redacted>".to_owned()
                    } else {
                        raw.describe()
                    },
                }
            })?;
        }
        if let Some(value) = table.get("tenants") {
            config.tenants = tenants::parse(value, &config.guard)?;
        }
        if let Some(value) = table.get("trunks") {
            let sip_keys_set: Vec<&str> = std::iter::once("trunk")
                .chain(trunks::CONNECTION_KEYS.iter().copied())
                .filter(|key| {
                    env.contains_key(&env_var_name("sip", key))
                        || table.get("sip").and_then(|s| s.get(*key)).is_some()
                })
                .collect();
            config.trunks = trunks::parse(value, &sip_keys_set)?;
        }
        check_combinations(&config)?;
        let path_given = env.contains_key(&env_var_name("store", "path"))
            || table.get("store").and_then(|s| s.get("path")).is_some();
        if path_given && config.store.url.is_some() {
            return Err(ConfigError::Invalid {
                key: "[store] url".to_owned(),
                expected: "either [store] url (PostgreSQL) or [store] path (SQLite), not both",
                got: "both".to_owned(),
            });
        }
        if config.store.url.is_some() && config.cluster.secret.is_none() {
            return Err(ConfigError::Invalid {
                key: "[cluster] secret".to_owned(),
                expected: "a secret of at least 32 characters, shared by every node, with [store] url",
                got: "nothing".to_owned(),
            });
        }
        Ok(config)
    }

    /// This node's id in the store: `[cluster] node-id`, or else the host name, `:` and
    /// the HTTP port (unique per machine, and the same across restarts, so a restarted
    /// node finds the calls it left).
    pub fn node_id(&self) -> String {
        self.cluster.node_id.clone().unwrap_or_else(|| {
            let uname = rustix::system::uname();
            let host = uname.nodename().to_string_lossy();
            format!("{host}:{}", self.http.listen.port())
        })
    }
}

/// Unknown sections and keys of the file, and `VOICE_OTP_<SECTION>_*` variables that name
/// no key of a known section.
fn refuse_unknown_keys(
    table: &toml::Table,
    env: &BTreeMap<String, String>,
) -> Result<(), ConfigError> {
    for (section, value) in table {
        if section == "tenants" || section == "trunks" {
            // Arrays of tables, parsed after the sections (a tenant's policy starts from
            // `[guard]`; trunks are checked against `[sip]`).
            continue;
        }
        let Some(inner) = value.as_table() else {
            return Err(ConfigError::UnknownKey {
                key: section.clone(),
            });
        };
        for key in inner.keys() {
            if !KEYS.iter().any(|(s, k)| s == section && k == key) {
                return Err(ConfigError::UnknownKey {
                    key: format!("[{section}] {key}"),
                });
            }
        }
    }
    // A variable naming a known section but no key of it is a typo; other
    // `VOICE_OTP_*` names (used by scripts and test harnesses) are not ours to judge.
    for name in env.keys() {
        let in_section = KEYS
            .iter()
            .any(|(s, _)| name.starts_with(&format!("VOICE_OTP_{}_", s.to_ascii_uppercase())));
        if in_section && !KEYS.iter().any(|(s, k)| env_var_name(s, k) == *name) {
            return Err(ConfigError::UnknownKey { key: name.clone() });
        }
    }
    Ok(())
}

/// Rules between keys: both halves of the client certificate, a port range in order, and
/// SRTP `required` only over TLS.
fn check_combinations(config: &Config) -> Result<(), ConfigError> {
    if config.sip.tls_cert.is_some() != config.sip.tls_key.is_some() {
        return Err(ConfigError::Invalid {
            key: "[sip] tls-cert".to_owned(),
            expected: "tls-cert and tls-key both set, or neither",
            got: "only one of them".to_owned(),
        });
    }
    if config.rtp.ports.first > config.rtp.ports.last {
        return Err(ConfigError::Invalid {
            key: "[rtp] ports".to_owned(),
            expected: "first port <= last port",
            got: format!("{}-{}", config.rtp.ports.first, config.rtp.ports.last),
        });
    }
    // SDES keys travel in the SDP: over clear SIP anyone on the path reads them.
    if config.rtp.srtp == SrtpPolicy::Required
        && config
            .trunk_group()
            .iter()
            .any(|t| matches!(t.transport, SipTransport::Udp | SipTransport::Tcp))
    {
        return Err(ConfigError::Invalid {
            key: "[rtp] srtp".to_owned(),
            expected: "\"off\" or \"optional\" unless [sip] transport (or every [[trunks]] transport) is \"tls\" (SDES keys in clear SIP protect nothing)",
            got: "\"required\"".to_owned(),
        });
    }
    Ok(())
}
