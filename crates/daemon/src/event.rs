//! The finished event (callback body) and CDR of spec section 3, and the live view of a call.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use time::OffsetDateTime;
use voice_otp_call::{CallKind, CallOutcome, InputStatus, KeypressCheck, ResultCode};

/// Milliseconds since the Unix epoch (how the store keeps instants).
pub(crate) fn to_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// `2026-11-25T20:00:00.000Z`: UTC, millisecond precision, always three decimals.
pub fn format_timestamp_ms(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    let t = OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Parses an RFC 3339 timestamp (as used in `since`/`until`) to epoch milliseconds.
pub(crate) fn parse_timestamp_ms(text: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// `otp`, `notification` or `dtmf` as stored.
pub(crate) fn kind_name(kind: CallKind) -> &'static str {
    match kind {
        CallKind::Otp => "otp",
        CallKind::Notification => "notification",
        CallKind::Dtmf => "dtmf",
    }
}

/// Inverse of [`kind_name`].
pub(crate) fn kind_from_name(name: &str) -> CallKind {
    match name {
        "notification" => CallKind::Notification,
        "dtmf" => CallKind::Dtmf,
        _ => CallKind::Otp,
    }
}

/// What a Request DTMF call collected, as the finished event carries it (flattened into
/// it; absent for OTP and Notification calls).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputFields {
    /// The keys of the last attempt, terminator excluded (the valid entry when
    /// `input-status` is `valid`). May be a PIN: never logged.
    pub digits: String,
    /// `valid`, `invalid`, `no-input` or `incomplete`.
    #[serde(rename = "input-status")]
    pub status: &'static str,
    /// Attempts started (0 when the call was not answered).
    pub attempts: u8,
}

/// `result` of the finished event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventResult {
    /// 9, 10, 11 or 12.
    pub code: u8,
    /// `Cancelled`, `Finished`, `Failed` or `Rejected`.
    pub description: &'static str,
    /// SIP status that ended the call, if any.
    #[serde(rename = "sip-disconnect-code")]
    pub sip_disconnect_code: Option<u16>,
    /// Its reason phrase.
    #[serde(rename = "sip-disconnect-reason")]
    pub sip_disconnect_reason: Option<String>,
}

/// The finished event: the callback body and the CDR, field for field as spec section 3.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinishedEvent {
    /// `otp-finished`, `notification-finished` or `dtmf-finished`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Our call id.
    #[serde(rename = "call-id")]
    pub call_id: String,
    /// The client's instruction id.
    #[serde(rename = "instruction-id")]
    pub instruction_id: Option<String>,
    /// Caller ID presented.
    pub caller: String,
    /// Number dialled.
    pub callee: String,
    /// INVITE sent.
    #[serde(rename = "started-on")]
    pub started_on: String,
    /// 2xx received, or null.
    #[serde(rename = "answered-on")]
    pub answered_on: Option<String>,
    /// Call over.
    #[serde(rename = "ended-on")]
    pub ended_on: String,
    /// Answered-to-ended seconds, two decimals; 0 when not answered.
    pub duration: f64,
    /// Readings of the code to the end.
    #[serde(rename = "code-read-count")]
    pub code_read_count: u32,
    /// Replays played.
    pub replays: u32,
    /// Keys pressed.
    pub dtmf: String,
    /// Request DTMF calls: `digits`, `input-status` and `attempts`.
    #[serde(flatten)]
    pub input: Option<InputFields>,
    /// OTP calls: `passed`, `failed` or `not-required` (the `require-keypress` check).
    #[serde(rename = "keypress-check", skip_serializing_if = "Option::is_none")]
    pub keypress_check: Option<&'static str>,
    /// How it ended.
    pub result: EventResult,
}

/// The identity of a call, known before it is dialled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CallIdentity {
    pub(crate) call_id: String,
    pub(crate) instruction_id: Option<String>,
    pub(crate) kind: CallKind,
    pub(crate) caller: String,
    pub(crate) callee: String,
}

/// Seconds between two instants in ms, rounded to two decimals.
fn duration_secs(answered_ms: Option<i64>, ended_ms: i64) -> f64 {
    match answered_ms {
        Some(a) if ended_ms > a => ((ended_ms - a) as f64 / 10.0).round() / 100.0,
        _ => 0.0,
    }
}

impl FinishedEvent {
    /// Builds the event of a call from its identity and stored outcome.
    pub(crate) fn from_parts(id: &CallIdentity, o: &StoredOutcome) -> FinishedEvent {
        let result = ResultCode::from_code(o.result_code).unwrap_or(ResultCode::Failed);
        FinishedEvent {
            kind: match id.kind {
                CallKind::Otp => "otp-finished",
                CallKind::Notification => "notification-finished",
                CallKind::Dtmf => "dtmf-finished",
            },
            call_id: id.call_id.clone(),
            instruction_id: id.instruction_id.clone(),
            caller: id.caller.clone(),
            callee: id.callee.clone(),
            started_on: format_timestamp_ms(o.started_ms),
            answered_on: o.answered_ms.map(format_timestamp_ms),
            ended_on: format_timestamp_ms(o.ended_ms),
            duration: duration_secs(o.answered_ms, o.ended_ms),
            code_read_count: o.code_read_count,
            replays: o.replays,
            dtmf: o.dtmf.clone(),
            input: (id.kind == CallKind::Dtmf).then(|| {
                let input = o.input.as_ref();
                InputFields {
                    digits: input.map(|i| i.digits.clone()).unwrap_or_default(),
                    status: input.map_or(InputStatus::Incomplete, |i| i.status).as_str(),
                    attempts: input.map_or(0, |i| i.attempts),
                }
            }),
            keypress_check: (id.kind == CallKind::Otp).then(|| o.keypress_check.as_str()),
            result: EventResult {
                code: result.code(),
                description: result.description(),
                sip_disconnect_code: o.sip_code,
                sip_disconnect_reason: o.sip_reason.clone(),
            },
        }
    }
}

/// A [`CallOutcome`] in the store's units.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredOutcome {
    pub(crate) result_code: u8,
    pub(crate) started_ms: i64,
    pub(crate) answered_ms: Option<i64>,
    pub(crate) ended_ms: i64,
    pub(crate) code_read_count: u32,
    pub(crate) replays: u32,
    pub(crate) dtmf: String,
    /// Request DTMF calls that were answered.
    pub(crate) input: Option<StoredInput>,
    pub(crate) keypress_check: KeypressCheck,
    pub(crate) sip_code: Option<u16>,
    pub(crate) sip_reason: Option<String>,
}

/// A [`voice_otp_call::CollectedInput`] in the store's units.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredInput {
    pub(crate) digits: String,
    pub(crate) status: InputStatus,
    pub(crate) attempts: u8,
}

impl From<&CallOutcome> for StoredOutcome {
    fn from(o: &CallOutcome) -> Self {
        StoredOutcome {
            result_code: o.result.code(),
            started_ms: to_ms(o.started_on),
            answered_ms: o.answered_on.map(to_ms),
            ended_ms: to_ms(o.ended_on),
            code_read_count: o.code_read_count,
            replays: o.replays,
            // Typed keys from the call: printing them is the only conversion.
            dtmf: o.dtmf.to_string(),
            input: o.input.as_ref().map(|i| StoredInput {
                digits: i.digits.to_string(),
                status: i.status,
                attempts: i.attempts,
            }),
            keypress_check: o.keypress_check,
            sip_code: o.sip_code,
            sip_reason: o.sip_reason.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        assert_eq!(format_timestamp_ms(0), "1970-01-01T00:00:00.000Z");
        let ms = parse_timestamp_ms("2026-11-25T20:00:00.123Z").unwrap();
        assert_eq!(format_timestamp_ms(ms), "2026-11-25T20:00:00.123Z");
    }

    #[test]
    fn duration_has_two_decimals() {
        assert_eq!(duration_secs(Some(1000), 13_345), 12.35);
        assert_eq!(duration_secs(None, 13_345), 0.0);
    }
}
