//! The guard: what a token holder must not be able to aim the daemon at.
//!
//! Destinations: every call costs the operator money, and a premium-rate or shared-cost
//! number pays its owner. [`check_destination`] applies `[guard]`: allowed countries,
//! denied libphonenumber number types (premium-rate and the like by default) and denied
//! prefixes.
//!
//! Callbacks: a client chooses `callback-url`, and the daemon POSTs there from inside the
//! operator's network. Without a check any token holder could make it reach the cloud
//! metadata service (`169.254.169.254`), loopback admin ports or private services. So a
//! literal host that is not a public address is refused when the request arrives, and a
//! host name is judged on the addresses it resolves to at delivery (see
//! [`crate::callbacks`]), unless `[callbacks] allow-private-networks` is set.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use phonenumber::Type;

use crate::config::GuardConfig;

/// The `[guard] denied-number-types` name of a libphonenumber type.
fn type_name(t: Type) -> &'static str {
    match t {
        Type::FixedLine => "fixed-line",
        Type::Mobile => "mobile",
        Type::FixedLineOrMobile => "fixed-line-or-mobile",
        Type::TollFree => "toll-free",
        Type::PremiumRate => "premium-rate",
        Type::SharedCost => "shared-cost",
        Type::PersonalNumber => "personal-number",
        Type::Voip => "voip",
        Type::Pager => "pager",
        Type::Uan => "uan",
        Type::Emergency => "emergency",
        Type::Voicemail => "voicemail",
        Type::ShortCode => "short-code",
        Type::StandardRate => "standard-rate",
        Type::Carrier => "carrier",
        Type::NoInternational => "no-international",
        Type::Unknown => "unknown",
    }
}

/// Checks a callee that is already a valid E.164 number against the policy. The error
/// names the rule that refused it (the API message; the field names the callee).
pub(crate) fn check_destination(policy: &GuardConfig, number: &str) -> Result<(), String> {
    if let Some(prefix) = policy
        .denied_prefixes
        .iter()
        .find(|p| number.starts_with(p.as_str()))
    {
        return Err(format!(
            "{number} starts with {prefix}: refused by [guard] denied-prefixes"
        ));
    }
    let Ok(parsed) = phonenumber::parse(None, number) else {
        return Err(format!(
            "{number} is not a number of any country: refused by [guard]"
        ));
    };
    let kind = type_name(parsed.number_type(&phonenumber::metadata::DATABASE));
    if policy.denied_number_types.iter().any(|t| t == kind) {
        return Err(format!(
            "{number} is of type {kind}: refused by [guard] denied-number-types"
        ));
    }
    if let Some(allowed) = &policy.allowed_countries {
        let country = parsed.country().id().map(|id| id.as_ref().to_owned());
        if !country.as_ref().is_some_and(|c| allowed.contains(c)) {
            return Err(format!(
                "{number} is in {}: outside [guard] allowed-countries",
                country.as_deref().unwrap_or("no country")
            ));
        }
    }
    Ok(())
}

/// Why `ip` is not a public unicast address, or `None` when it is one.
///
/// IPv6 forms that embed an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
/// NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that IPv4 address, so they cannot
/// be used to slip past the IPv4 rules.
pub(crate) fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private (RFC 1918)")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        Some("shared address space (CGNAT, 100.64.0.0/10)")
    } else if o[0] == 0 {
        Some("unspecified")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast() {
        Some("broadcast")
    } else {
        None
    }
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    let embedded_v4 = |hi: u16, lo: u16| {
        Ipv4Addr::new(
            (hi >> 8) as u8,
            (hi & 0xff) as u8,
            (lo >> 8) as u8,
            (lo & 0xff) as u8,
        )
    };
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if let Some(v4) = ip.to_ipv4_mapped() {
        non_public_v4(v4)
    } else if s[..6] == [0; 6] {
        // IPv4-compatible (deprecated): `::a.b.c.d`.
        non_public_v4(embedded_v4(s[6], s[7]))
    } else if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        non_public_v4(embedded_v4(s[6], s[7]))
    } else if s[0] == 0x2002 {
        non_public_v4(embedded_v4(s[1], s[2]))
    } else if ip.is_multicast() {
        Some("multicast")
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Some("private (unique local, fc00::/7)")
    } else if (s[0] & 0xffc0) == 0xfe80 {
        Some("link-local")
    } else if (s[0] & 0xffc0) == 0xfec0 {
        Some("private (site-local, fec0::/10)")
    } else {
        None
    }
}

/// Checks the literal host of a callback URL: an IP address must be public. Host names pass
/// here; they are judged on their addresses at delivery. The error is the API message.
pub(crate) fn check_callback_host(url: &reqwest::Url) -> Result<(), String> {
    // The parser has already normalised IPv4 spellings (`0x7f.1`) to dotted quads; IPv6
    // comes in brackets.
    let Some(host) = url.host_str() else {
        return Ok(());
    };
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let Ok(ip) = bare.parse::<IpAddr>() else {
        return Ok(());
    };
    match non_public(ip) {
        None => Ok(()),
        Some(kind) => Err(format!(
            "host {ip} is a {kind} address; callbacks go to public addresses only \
             ([callbacks] allow-private-networks allows others)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_the_config_names() {
        for t in [
            Type::PremiumRate,
            Type::Unknown,
            Type::FixedLineOrMobile,
            Type::Uan,
        ] {
            assert!(crate::config::NUMBER_TYPES.contains(&type_name(t)));
        }
    }

    #[test]
    fn default_policy_refuses_premium_rate_and_passes_ordinary_numbers() {
        let policy = GuardConfig::default();
        for premium in ["+449012345678", "+19002345678"] {
            let e = check_destination(&policy, premium).unwrap_err();
            assert!(
                e.contains("premium-rate") && e.contains("denied-number-types"),
                "{e}"
            );
        }
        // Numbers the other tests dial: mobile, fixed line, NANP.
        for ok in [
            "+31612345678",
            "+31201234567",
            "+442079460000",
            "+14155550123",
            "+31612345600",
            "+31610000000",
            "+31687654329",
            "+4915112345678",
            "+33612345678",
        ] {
            assert_eq!(check_destination(&policy, ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn countries_and_prefixes_are_named_in_the_refusal() {
        let policy = GuardConfig {
            allowed_countries: Some(vec!["NL".to_owned()]),
            denied_prefixes: vec!["+3197".to_owned()],
            ..GuardConfig::default()
        };
        assert_eq!(check_destination(&policy, "+31612345678"), Ok(()));
        let e = check_destination(&policy, "+442079460000").unwrap_err();
        assert!(e.contains("GB") && e.contains("allowed-countries"), "{e}");
        let e = check_destination(&policy, "+3197012345678").unwrap_err();
        assert!(e.contains("+3197") && e.contains("denied-prefixes"), "{e}");
    }

    #[test]
    fn internal_addresses_are_named_and_public_ones_pass() {
        for (ip, kind) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private (RFC 1918)"),
            ("172.16.0.1", "private (RFC 1918)"),
            ("192.168.1.1", "private (RFC 1918)"),
            ("169.254.169.254", "link-local"),
            ("100.64.0.1", "shared address space (CGNAT, 100.64.0.0/10)"),
            (
                "100.127.255.255",
                "shared address space (CGNAT, 100.64.0.0/10)",
            ),
            ("0.0.0.0", "unspecified"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fd00::1", "private (unique local, fc00::/7)"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:169.254.169.254", "link-local"),
            ("::10.0.0.1", "private (RFC 1918)"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("2002:a00:1::", "private (RFC 1918)"),
        ] {
            assert_eq!(non_public(ip.parse().unwrap()), Some(kind), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "100.128.0.1",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(non_public(ip.parse().unwrap()), None, "{ip}");
        }
    }

    #[test]
    fn callback_hosts_are_judged_after_url_normalisation() {
        let check = |u: &str| check_callback_host(&reqwest::Url::parse(u).unwrap());
        // The URL parser turns these spellings into 127.0.0.1 before the check sees them.
        assert!(check("http://0x7f.1/x").is_err());
        assert!(check("http://2130706433/x").is_err());
        assert!(check("http://[::ffff:7f00:1]/x").is_err());
        assert!(check("https://example.com/x").is_ok());
        assert!(check("http://93.184.215.14:8080/x").is_ok());
    }
}
