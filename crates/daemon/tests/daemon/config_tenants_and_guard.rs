//! `[guard]`, `[[tenants]]`, `[callbacks] allow-private-networks` and `[http] metrics-token`
//! as the configuration reads them: defaults, a tenant's policy starting from `[guard]`,
//! and one-line errors naming the key (tokens redacted).

use std::collections::BTreeMap;

use voice_otp_daemon::Config;

use crate::common::env;

#[test]
fn defaults_refuse_premium_types_and_private_callbacks() {
    let c = Config::from_sources(None, &BTreeMap::new()).unwrap();
    assert_eq!(c.guard.allowed_countries, None);
    assert_eq!(
        c.guard.denied_number_types.join(","),
        "premium-rate,shared-cost,uan,personal-number,pager,voicemail,unknown"
    );
    assert!(c.guard.denied_prefixes.is_empty());
    let l = c.guard.limits;
    assert_eq!(
        (l.callee_per_10m, l.callee_per_24h, l.calls_per_second),
        (3, 10, 50)
    );
    assert_eq!((l.max_queued_calls, l.max_callees_per_request), (1000, 100));
    assert!(!c.callbacks.allow_private_networks);
    assert_eq!(c.http.metrics_token, None);
    assert!(c.tenants.is_empty());
}

#[test]
fn tenants_take_guard_as_their_base_and_override_it() {
    let toml = r#"
        [http]
        tokens = ["default-token-0123456789"]
        metrics-token = "scrape-token-0123456789"
        [guard]
        allowed-countries = ["nl", "BE"]
        denied-prefixes = ["+3197"]
        [callbacks]
        allow-private-networks = true
        [[tenants]]
        name = "shop"
        tokens = ["shop-token-0123456789"]
        callers = ["+3120", "+31851234567"]
        denied-number-types = ["premium-rate"]
        callee-calls-per-10m = 1
        [[tenants]]
        name = "bank"
        tokens = ["bank-token-0123456789"]
    "#;
    let c = Config::from_sources(Some(toml), &BTreeMap::new()).unwrap();
    assert!(c.callbacks.allow_private_networks);
    assert_eq!(
        c.http.metrics_token.as_deref(),
        Some("scrape-token-0123456789")
    );
    let all = c.all_tenants();
    let names: Vec<&str> = all.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["default", "shop", "bank"]);
    let shop = &all[1];
    assert_eq!(
        shop.guard.allowed_countries,
        Some(vec!["NL".to_owned(), "BE".to_owned()])
    );
    assert_eq!(shop.guard.denied_number_types, ["premium-rate"]);
    assert_eq!(shop.guard.denied_prefixes, ["+3197"]);
    assert_eq!(shop.guard.limits.callee_per_10m, 1);
    assert_eq!(
        shop.guard.limits.callee_per_24h, 10,
        "the rest from [guard]"
    );
    assert!(shop.may_present("+31201234567"));
    assert!(shop.may_present("+31851234567"));
    assert!(!shop.may_present("+31101234567"));
    assert!(all[2].may_present("+31101234567"), "no callers: any");
    assert_eq!(all[2].guard, c.guard);
    c.check_tenants().unwrap();

    let env_only = Config::from_sources(
        None,
        &env(&[("VOICE_OTP_GUARD_DENIED_NUMBER_TYPES", "voip, toll-free")]),
    )
    .unwrap();
    assert_eq!(env_only.guard.denied_number_types, ["voip", "toll-free"]);
}

#[test]
fn bad_guard_and_tenant_values_name_the_key() {
    for (toml, key) in [
        (
            "[guard]\nallowed-countries = [\"NLD\"]",
            "[guard] allowed-countries",
        ),
        (
            "[guard]\ndenied-number-types = [\"premium\"]",
            "[guard] denied-number-types",
        ),
        (
            "[guard]\ndenied-prefixes = [\"44\"]",
            "[guard] denied-prefixes",
        ),
        ("[guard]\ncalls-per-second = 0", "[guard] calls-per-second"),
        (
            "[callbacks]\nallow-private-networks = \"yes please\"",
            "[callbacks] allow-private-networks",
        ),
        (
            "[[tenants]]\nname = \"Shop!\"\ntokens = [\"x\"]",
            "[[tenants]] #1 name",
        ),
        ("[[tenants]]\nname = \"shop\"", "[[tenants]] #1 tokens"),
        (
            "[[tenants]]\nname = \"shop\"\ntokens = [\"t\"]\ncallers = [\"3120\"]",
            "[[tenants]] #1 callers",
        ),
        (
            "[[tenants]]\nname = \"shop\"\ntokens = [\"t\"]\ncolour = \"red\"",
            "[[tenants]] #1 colour",
        ),
        ("tenants = 3", "[[tenants]]"),
    ] {
        let err = Config::from_sources(Some(toml), &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{toml}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn start_checks_refuse_weak_shared_and_placeholder_tokens() {
    for (toml, says) in [
        (
            "[http]\ntokens = [\"fifteen-chars-x\"]",
            "at least 16 characters",
        ),
        (
            "[http]\ntokens = [\"change-me-to-a-long-random-token\"]",
            "placeholder",
        ),
        (
            "[http]\ntokens = [\"same-token-0123456789\"]\n[[tenants]]\nname = \"shop\"\ntokens = [\"same-token-0123456789\"]",
            "no other tenant has",
        ),
        (
            "[http]\ntokens = [\"default-token-0123456789\"]\n[[tenants]]\nname = \"default\"\ntokens = [\"other-token-0123456789\"]",
            "a name no other tenant has",
        ),
    ] {
        let c = Config::from_sources(Some(toml), &BTreeMap::new()).unwrap();
        let err = c.check_tenants().unwrap_err().to_string();
        assert!(err.contains(says), "{toml}: {err}");
        assert!(
            !err.contains("same-token") && !err.contains("fifteen-chars"),
            "{err}"
        );
    }
}
