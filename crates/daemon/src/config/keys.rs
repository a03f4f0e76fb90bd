//! Setting one key of the config file (or its `VOICE_OTP_<SECTION>_<KEY>` variable): each
//! section has its own function; on a bad value they return what was expected, which the
//! caller turns into a [`ConfigError::Invalid`](crate::error::ConfigError) naming the key.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use voice_otp_sip::NetworkList;

use super::{Config, GuardConfig, NUMBER_TYPES, PortRange, Raw, SipTransport, tenants};

const ADDR: &str = "an address like \"127.0.0.1:8080\"";
const TEXT: &str = "a string";
const DUR: &str = "a duration like \"5s\", \"250ms\", \"2m\" or \"24h\"";
const BOOL: &str = "true or false";
const NETS: &str = "a non-empty list of IP addresses or networks like \"192.0.2.0/24\"";

/// Sets one key; on a bad value returns what was expected.
pub(super) fn apply(
    c: &mut Config,
    section: &str,
    key: &str,
    raw: &Raw<'_>,
) -> Result<(), &'static str> {
    match section {
        "http" => http(c, key, raw),
        "sip" => sip(c, key, raw),
        "rtp" => rtp(c, key, raw),
        "store" => store(c, key, raw),
        "cluster" => cluster(c, key, raw),
        "audio" => audio(c, key, raw),
        "callbacks" => callbacks(c, key, raw),
        "calls" => calls(c, key, raw),
        "guard" => apply_guard(&mut c.guard, key, raw),
        "log" => log(c, key, raw),
        _ => Err("a known key"),
    }
}

/// A socket address.
fn addr(raw: &Raw<'_>) -> Option<SocketAddr> {
    raw.string()
        .and_then(|s| s.trim().parse::<SocketAddr>().ok())
}

/// A count from 1 to a million.
fn count(raw: &Raw<'_>) -> Result<usize, &'static str> {
    raw.integer()
        .filter(|n| (1..=1_000_000).contains(n))
        .map(|n| n as usize)
        .ok_or("an integer from 1 to 1000000")
}

/// A pause of a code reading, at most `max_secs` (longer would outlast a listener's
/// patience, and a call's audio is bounded anyway).
fn gap(raw: &Raw<'_>, max_secs: u64, expected: &'static str) -> Result<Duration, &'static str> {
    raw.duration()
        .filter(|d| *d <= Duration::from_secs(max_secs))
        .ok_or(expected)
}

/// A non-empty file path.
fn path(raw: &Raw<'_>) -> Result<PathBuf, &'static str> {
    let text = raw.string().filter(|s| !s.trim().is_empty());
    text.map(PathBuf::from).ok_or("a non-empty file path")
}

/// A non-empty list of addresses and CIDR networks.
fn networks(raw: &Raw<'_>) -> Option<NetworkList> {
    let items = raw.strings()?;
    let list = NetworkList::parse(items.iter().map(String::as_str)).ok()?;
    (!list.is_empty()).then_some(list)
}

/// One key of `[http]`.
fn http(c: &mut Config, key: &str, raw: &Raw<'_>) -> Result<(), &'static str> {
    match key {
        "listen" => c.http.listen = addr(raw).ok_or(ADDR)?,
        "tokens" => {
            let tokens = raw.strings().ok_or("a list of strings")?;
            if tokens.iter().any(|t| t.is_empty()) {
                return Err("non-empty tokens");
            }
            c.http.tokens = tokens;
        }
        "max-connections" => c.http.max_connections = count(raw)?,
        "header-timeout" => {
            c.http.header_timeout = raw.duration().filter(|d| !d.is_zero()).ok_or(DUR)?
        }
        "body-timeout" => {
            c.http.body_timeout = raw.duration().filter(|d| !d.is_zero()).ok_or(DUR)?
        }
        "idle-timeout" => {
            c.http.idle_timeout = raw.duration().filter(|d| !d.is_zero()).ok_or(DUR)?
        }
        "metrics-token" => {
            let token = raw.string().ok_or(TEXT)?;
            c.http.metrics_token = (!token.is_empty()).then_some(token);
        }
        _ => return Err("a known key"),
    }
    Ok(())
}

/// One key of `[sip]`.
fn sip(c: &mut Config, key: &str, raw: &Raw<'_>) -> Result<(), &'static str> {
    match key {
        "listen" => c.sip.listen = addr(raw).ok_or(ADDR)?,
        "transport" => {
            c.sip.transport = match raw.string().map(|s| s.to_ascii_lowercase()).as_deref() {
                Some("udp") => SipTransport::Udp,
                Some("tcp") => SipTransport::Tcp,
                Some("tls") => SipTransport::Tls,
                _ => return Err("\"udp\", \"tcp\" or \"tls\""),
            }
        }
        "trunk" => {
            let trunk = raw.string().filter(|s| !s.trim().is_empty());
            c.sip.trunk = trunk.ok_or("a non-empty host:port")?;
        }
        "from-domain" => {
            let domain = raw.string().filter(|s| !s.trim().is_empty());
            c.sip.from_domain = domain.ok_or("a non-empty host name")?;
        }
        "username" => c.sip.username = raw.string().ok_or(TEXT)?,
        "password" => c.sip.password = raw.string().ok_or(TEXT)?,
        "keepalive" => c.sip.keepalive = raw.duration().ok_or(DUR)?,
        "t1" => {
            let t1 = raw
                .duration()
                .filter(|t| (Duration::from_millis(10)..=Duration::from_secs(4)).contains(t));
            c.sip.t1 = t1.ok_or("a duration from \"10ms\" to \"4s\"")?;
        }
        "accept-from" => c.sip.accept_from = Some(networks(raw).ok_or(NETS)?),
        "tls-ca" => c.sip.tls_ca = Some(path(raw)?),
        "tls-server-name" => {
            let name = raw.string().filter(|s| !s.trim().is_empty());
            c.sip.tls_server_name = Some(name.ok_or("a non-empty host name")?);
        }
        "tls-cert" => c.sip.tls_cert = Some(path(raw)?),
        "tls-key" => c.sip.tls_key = Some(path(raw)?),
        _ => return Err("a known key"),
    }
    Ok(())
}

/// One key of `[rtp]`.
fn rtp(c: &mut Config, key: &str, raw: &Raw<'_>) -> Result<(), &'static str> {
    match key {
        "ip" => {
            c.rtp.ip = raw
                .string()
                .and_then(|s| s.trim().parse().ok())
                .ok_or("an IP address")?
        }
        "ports" => {
            c.rtp.ports = raw
                .string()
                .and_then(|s| {
                    let (a, b) = s.split_once('-')?;
                    Some(PortRange {
                        first: a.trim().parse().ok()?,
                        last: b.trim().parse().ok()?,
                    })
                })
                .filter(|r| r.first > 0)
                .ok_or("a port range like \"20000-30000\"")?
        }
        "realtime-priority" => {
            c.rtp.realtime_priority = raw
                .integer()
                .and_then(|n| u8::try_from(n).ok())
                .filter(|n| *n <= 99)
                .ok_or("an integer from 0 (time-sharing) to 99")?
        }
        "peer-networks" => c.rtp.peer_networks = networks(raw).ok_or(NETS)?,
        "latching" => {
            c.rtp.latching = raw
                .string()
                .and_then(|s| s.to_ascii_lowercase().parse().ok())
                .ok_or("\"symmetric\" or \"strict\"")?
        }
        "srtp" => {
            c.rtp.srtp = raw
                .string()
                .and_then(|s| s.to_ascii_lowercase().parse().ok())
                .ok_or("\"off\", \"optional\" or \"required\"")?
        }
        _ => return Err("a known key"),
    }
    Ok(())
}

/// One key of `[store]`.
fn store(c: &mut Config, key: &str, raw: &Raw<'_>) -> Result<(), &'static str> {
    match key {
        "path" => c.store.path = raw.string().ok_or(TEXT)?.into(),
        "url" => {
            // Checked here so a bad URL stops the start with the key named; the caller
            // redacts the value (it may hold a password).
            let url = raw
                .string()
                .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
                .filter(|u| u.parse::<tokio_postgres::Config>().is_ok())
                .ok_or("a URL like \"postgres://user@host:5432/database\"")?;
            c.store.url = Some(url);
        }
        _ => return Err("a known key"),
    }
    Ok(())
}

/// One key of `[cluster]`.
fn cluster(c: &mut Config, key: &str, raw: &Raw<'_>) -> Result<(), &'static str> {
    match key {
        "node-id" => {
            let id = raw
                .string()
                .map(|s| s.trim().to_owned())
                .filter(|s| (1..=128).contains(&s.len()) && !s.chars().any(char::is_control))
                .ok_or("a name of 1 to 128 printable characters")?;
            c.cluster.node_id = Some(id);
        }
        "secret" => {
            let secret = zeroize::Zeroizing::new(raw.string().ok_or("a string")?);
            c.cluster.secret = Some(crate::cluster::sealed::ClusterSecret::new(&secret)?);
        }
        _ => return Err("a known key"),
    }
    Ok(())
}

/// One key of `[audio]`.
fn audio(c: &mut Config, key: &str, raw: &Raw<'_>) -> Result<(), &'static str> {
    match key {
        "dir" => c.audio.dir = raw.string().ok_or(TEXT)?.into(),
        "defaults" => c.audio.defaults = raw.string().ok_or(TEXT)?.into(),
        "recorded" => c.audio.recorded = raw.string().ok_or(TEXT)?.into(),
        "letter-style" => {
            const STYLES: &str = "\"name\", \"phonetic\" or \"by-voice\"";
            let text = raw.string().ok_or(STYLES)?;
            c.audio.letter_style = if text.eq_ignore_ascii_case("by-voice") {
                None
            } else {
                Some(voice_otp_media::LetterStyle::parse(&text).ok_or(STYLES)?)
            }
        }
        "cache-bytes" => {
            c.audio.cache_bytes = raw
                .integer()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or("a number of bytes >= 0")?
        }
        "max-prompt-seconds" => {
            // Decoded TTS output is capped at 600 s anyway (`wav::MAX_SECONDS`).
            c.audio.max_prompt = raw
                .integer()
                .filter(|n| (1..=600).contains(n))
                .map(|n| Duration::from_secs(n as u64))
                .ok_or("an integer from 1 to 600")?
        }
        "char-gap" => c.audio.char_gap = gap(raw, 2, "a duration from 0 to 2s, like \"300ms\"")?,
        "group-gap" => c.audio.group_gap = gap(raw, 5, "a duration from 0 to 5s, like \"800ms\"")?,
        "repeat-last-group" => c.audio.repeat_last_group = raw.boolean().ok_or(BOOL)?,
        _ => return Err("a known key"),
    }
    Ok(())
}

/// One key of `[callbacks]`.
fn callbacks(c: &mut Config, key: &str, raw: &Raw<'_>) -> Result<(), &'static str> {
    match key {
        "secret" => c.callbacks.secret = raw.string().ok_or(TEXT)?,
        "timeout" => c.callbacks.timeout = raw.duration().filter(|d| !d.is_zero()).ok_or(DUR)?,
        "retry-for" => c.callbacks.retry_for = raw.duration().ok_or(DUR)?,
        "initial-backoff" => {
            c.callbacks.initial_backoff = raw.duration().filter(|d| !d.is_zero()).ok_or(DUR)?
        }
        "max-backoff" => {
            c.callbacks.max_backoff = raw.duration().filter(|d| !d.is_zero()).ok_or(DUR)?
        }
        "allow-private-networks" => {
            c.callbacks.allow_private_networks = raw.boolean().ok_or(BOOL)?
        }
        _ => return Err("a known key"),
    }
    Ok(())
}

/// One key of `[calls]`.
fn calls(c: &mut Config, key: &str, raw: &Raw<'_>) -> Result<(), &'static str> {
    match key {
        "max-concurrent" => c.calls.max_concurrent = count(raw)?,
        "replay-wait" => c.calls.replay_wait = raw.duration().ok_or(DUR)?,
        "max-call-duration" => {
            c.calls.max_call_duration = raw.duration().filter(|d| !d.is_zero()).ok_or(DUR)?
        }
        "opus" => c.calls.opus = raw.boolean().ok_or(BOOL)?,
        "require-keypress" => c.calls.require_keypress = raw.boolean().ok_or(BOOL)?,
        _ => return Err("a known key"),
    }
    Ok(())
}

/// One key of `[log]`.
fn log(c: &mut Config, key: &str, raw: &Raw<'_>) -> Result<(), &'static str> {
    match key {
        "level" => c.log.level = raw.string().ok_or(TEXT)?,
        "json" => c.log.json = raw.boolean().ok_or(BOOL)?,
        _ => return Err("a known key"),
    }
    Ok(())
}

/// Sets one key of `[guard]` (also used for a tenant's own policy).
pub(super) fn apply_guard(
    g: &mut GuardConfig,
    key: &str,
    raw: &Raw<'_>,
) -> Result<(), &'static str> {
    let limit = |raw: &Raw<'_>| {
        raw.integer()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or("an integer from 1 to 1000000")
    };
    match key {
        "callee-calls-per-10m" => g.limits.callee_per_10m = limit(raw)?,
        "callee-calls-per-24h" => g.limits.callee_per_24h = limit(raw)?,
        "calls-per-second" => g.limits.calls_per_second = limit(raw)?,
        "max-queued-calls" => g.limits.max_queued_calls = limit(raw)?,
        "max-callees-per-request" => g.limits.max_callees_per_request = limit(raw)?,
        _ => apply_guard_list(g, key, raw)?,
    }
    Ok(())
}

/// The list keys of `[guard]`.
fn apply_guard_list(g: &mut GuardConfig, key: &str, raw: &Raw<'_>) -> Result<(), &'static str> {
    let list = raw.strings().ok_or("a list of strings")?;
    match key {
        "allowed-countries" => {
            let codes: Vec<String> = list.iter().map(|c| c.trim().to_ascii_uppercase()).collect();
            if codes.is_empty()
                || codes
                    .iter()
                    .any(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
            {
                return Err("a non-empty list of ISO 3166 alpha-2 codes like \"NL\"");
            }
            g.allowed_countries = Some(codes);
        }
        "denied-number-types" => {
            let types: Vec<String> = list.iter().map(|t| t.trim().to_ascii_lowercase()).collect();
            if types.iter().any(|t| !NUMBER_TYPES.contains(&t.as_str())) {
                return Err(
                    "a list of number types such as \"premium-rate\", \"shared-cost\", \"uan\", \"personal-number\", \"pager\", \"voicemail\", \"unknown\", \"toll-free\", \"voip\", \"mobile\", \"fixed-line\"",
                );
            }
            g.denied_number_types = types;
        }
        "denied-prefixes" => {
            let prefixes: Vec<String> = list.iter().map(|p| p.trim().to_owned()).collect();
            if !prefixes.iter().all(|p| tenants::is_e164_prefix(p)) {
                return Err("a list of E.164 prefixes like \"+4490\"");
            }
            g.denied_prefixes = prefixes;
        }
        _ => return Err("a known key"),
    }
    Ok(())
}
