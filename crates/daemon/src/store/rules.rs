//! The rules both backends apply the same way, whatever their SQL: how long an
//! `instruction-id` is remembered, the velocity limits' windows and verdicts, the outcome
//! of a call a dead daemon left open, and a callback's receiver and body. The backends
//! call them by path (`rules::tenant_hit`), so each reads as the rule it applies.

use voice_otp_call::KeypressCheck;

use crate::config::VelocityLimits;
use crate::event::{FinishedEvent, StoredOutcome};

use super::LimitHit;

/// How long a repeated `instruction-id` gets the first answer again.
pub(super) const IDEMPOTENCY_MS: i64 = 24 * 3600 * 1000;

/// The receiver of a callback URL: its authority (`host:port`, as written), the unit of the
/// per-receiver concurrency limit. The same rule as migration 2.
pub(super) fn receiver_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// Why a restarted daemon ended the calls it had left open.
pub(super) const RESTARTED: &str = "daemon restarted before the call ended";

/// Why a survivor ended the calls of a node that stopped heart-beating.
pub(super) const NODE_LOST: &str = "node lost";

/// The outcome recorded for a call a dead daemon left without one.
pub(super) fn orphan_outcome(created_ms: i64, now_ms: i64, reason: &str) -> StoredOutcome {
    StoredOutcome {
        result_code: voice_otp_call::ResultCode::Failed.code(),
        started_ms: created_ms,
        answered_ms: None,
        ended_ms: now_ms,
        code_read_count: 0,
        replays: 0,
        dtmf: String::new(),
        input: None,
        keypress_check: KeypressCheck::NotRequired,
        sip_code: None,
        sip_reason: Some(reason.to_owned()),
    }
}

/// The outbox body of a finished event.
pub(super) fn event_body(event: &FinishedEvent) -> String {
    // Serialising plain fields cannot fail; an empty body would only be a missed event.
    serde_json::to_string(event).unwrap_or_default()
}

/// The per-callee windows of the velocity limits: (`[guard]` key, window in ms, maximum).
pub(super) fn callee_windows(limits: VelocityLimits) -> [(&'static str, i64, u32); 2] {
    [
        ("callee-calls-per-10m", 600_000, limits.callee_per_10m),
        ("callee-calls-per-24h", 86_400_000, limits.callee_per_24h),
    ]
}

/// The hit of a per-callee window holding `count` calls, the oldest at `oldest` (ms).
pub(super) fn callee_window_hit(
    (limit, window_ms, max): (&'static str, i64, u32),
    count: i64,
    oldest: Option<i64>,
    now: i64,
) -> Option<LimitHit> {
    // The oldest call in the window leaves it then.
    (count >= i64::from(max)).then(|| {
        let wait_ms = oldest.unwrap_or(now) + window_ms - now;
        LimitHit {
            limit,
            retry_after: u64::try_from(wait_ms / 1000 + 1).unwrap_or(1),
        }
    })
}

/// The hit of the tenant-wide limits, from its calls not yet ended (`open`) and those
/// created in the last second, for a request of `n` calls.
pub(super) fn tenant_hit(
    limits: VelocityLimits,
    open: i64,
    last_second: i64,
    n: i64,
) -> Option<LimitHit> {
    if open + n > i64::from(limits.max_queued_calls) {
        return Some(LimitHit {
            limit: "max-queued-calls",
            retry_after: 5,
        });
    }
    (last_second >= i64::from(limits.calls_per_second)).then_some(LimitHit {
        limit: "calls-per-second",
        retry_after: 1,
    })
}
