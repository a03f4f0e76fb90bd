//! The shipped systemd unit lets the daemon's default `[rtp] realtime-priority` take
//! effect under `DynamicUser=` (no CAP_SYS_NICE): `LimitRTPRIO=` at least that level, and
//! nothing that forbids real-time scheduling. And it allows no core dumps.

use std::collections::BTreeMap;

use voice_otp_daemon::Config;

/// The `[Service]` settings of the unit, last assignment wins (as in systemd for these).
fn service_settings(unit: &str) -> BTreeMap<&str, &str> {
    let mut section = "";
    let mut settings = BTreeMap::new();
    for line in unit.lines().map(str::trim) {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            section = line;
            continue;
        }
        if section == "[Service]"
            && let Some((key, value)) = line.split_once('=')
        {
            settings.insert(key.trim(), value.trim());
        }
    }
    settings
}

/// The shipped unit's text.
fn unit() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/voice-otp.service"
    );
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn limit_rtprio_covers_the_default_priority_and_realtime_is_not_restricted() {
    let unit = unit();
    let settings = service_settings(&unit);
    assert_eq!(
        settings.get("DynamicUser"),
        Some(&"yes"),
        "the case this is for"
    );

    let default = Config::default().rtp.realtime_priority;
    assert!(default > 0, "real-time pacers are the default");
    let limit = settings
        .get("LimitRTPRIO")
        .expect("LimitRTPRIO in [Service]");
    // `soft:hard` or one value for both; the soft limit is what sched_setscheduler checks.
    let soft: u8 = limit.split(':').next().unwrap().parse().unwrap();
    assert!(
        soft >= default,
        "LimitRTPRIO={limit} below the default realtime-priority {default}"
    );

    let restrict = settings.get("RestrictRealtime").copied().unwrap_or("no");
    assert!(
        matches!(restrict, "no" | "false" | "0" | "off"),
        "RestrictRealtime={restrict} forbids SCHED_FIFO"
    );
}

/// A core dump would hold the codes of the calls in progress (issue 11, item 6).
#[test]
fn the_unit_allows_no_core_dumps() {
    let unit = unit();
    let settings = service_settings(&unit);
    let limit = settings.get("LimitCORE").expect("LimitCORE in [Service]");
    // `soft:hard` or one value for both: both must be 0.
    assert!(
        limit.split(':').all(|v| v == "0"),
        "LimitCORE={limit} allows core dumps"
    );
}
