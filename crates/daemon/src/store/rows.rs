//! Rows read the same way from either backend: each backend only says how to read one
//! column as text or as an integer ([`StoredRow`]); the mapping to a [`CallRecord`] or an
//! [`OutboxItem`], with the range checks, is here once.

use voice_otp_call::{InputStatus, KeypressCheck};

use super::{CallRecord, OutboxItem};
use crate::error::StoreError;
use crate::event::{CallIdentity, StoredInput, StoredOutcome, kind_from_name};

/// The columns of a call, in the order [`call_from_row`] reads them.
pub(super) const CALL_COLUMNS: &str =
    "call_id, instruction_id, kind, caller, callee, callback_url, created_ms,
    result_code, started_ms, answered_ms, ended_ms, code_read_count, replays, dtmf, sip_code,
    sip_reason, input_digits, input_status, input_attempts, keypress_check";

/// How many columns [`CALL_COLUMNS`] names (a backend may select more after them).
pub(super) const CALL_COLUMN_COUNT: usize = 20;

/// A row as a backend returns it.
pub(super) trait StoredRow {
    /// Column `i` as text (`None` for NULL).
    fn text(&self, i: usize) -> Result<Option<String>, StoreError>;
    /// Column `i` as an integer (`None` for NULL).
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError>;
}

/// A value this binary always writes, read back.
fn required<T>(value: Option<T>, column: &'static str) -> Result<T, StoreError> {
    value.ok_or(StoreError::Corrupt { column })
}

/// A stored integer in the range of the field it came from.
pub(super) fn in_range<T: TryFrom<i64>>(v: i64, column: &'static str) -> Result<T, StoreError> {
    T::try_from(v).map_err(|_| StoreError::Corrupt { column })
}

/// The call of a row of [`CALL_COLUMNS`] and its callback URL.
pub(super) fn call_from_row(
    r: &impl StoredRow,
) -> Result<(CallRecord, Option<String>), StoreError> {
    let text = |i, column| required(r.text(i)?, column);
    let int = |i, column| required(r.int(i)?, column);
    let identity = CallIdentity {
        call_id: text(0, "calls.call_id")?,
        instruction_id: r.text(1)?,
        kind: kind_from_name(&text(2, "calls.kind")?),
        caller: text(3, "calls.caller")?,
        callee: text(4, "calls.callee")?,
    };
    let outcome = match r.int(7)? {
        Some(code) => Some(StoredOutcome {
            result_code: in_range(code, "calls.result_code")?,
            started_ms: int(8, "calls.started_ms")?,
            answered_ms: r.int(9)?,
            ended_ms: int(10, "calls.ended_ms")?,
            code_read_count: in_range(int(11, "calls.code_read_count")?, "calls.code_read_count")?,
            replays: in_range(int(12, "calls.replays")?, "calls.replays")?,
            dtmf: text(13, "calls.dtmf")?,
            sip_code: r
                .int(14)?
                .map(|c| in_range(c, "calls.sip_code"))
                .transpose()?,
            sip_reason: r.text(15)?,
            input: input_from_row(r)?,
            keypress_check: r
                .text(19)?
                .as_deref()
                .and_then(KeypressCheck::parse)
                .unwrap_or(KeypressCheck::NotRequired),
        }),
        None => None,
    };
    let record = CallRecord {
        identity,
        created_ms: int(6, "calls.created_ms")?,
        outcome,
        queue_state: None,
    };
    Ok((record, r.text(5)?))
}

/// The columns of an outbox row, in the order [`outbox_from_row`] reads them.
pub(super) const OUTBOX_COLUMNS: &str = "id, call_id, url, receiver, body, created_ms, attempts";

/// The delivery of a row of [`OUTBOX_COLUMNS`].
pub(super) fn outbox_from_row(r: &impl StoredRow) -> Result<OutboxItem, StoreError> {
    let text = |i, column| required(r.text(i)?, column);
    let int = |i, column| required(r.int(i)?, column);
    Ok(OutboxItem {
        id: int(0, "outbox.id")?,
        call_id: text(1, "outbox.call_id")?,
        url: text(2, "outbox.url")?,
        receiver: text(3, "outbox.receiver")?,
        body: text(4, "outbox.body")?,
        created_ms: int(5, "outbox.created_ms")?,
        attempts: in_range(int(6, "outbox.attempts")?, "outbox.attempts")?,
    })
}

/// The collected input of a row, if it has one.
fn input_from_row(r: &impl StoredRow) -> Result<Option<StoredInput>, StoreError> {
    let status = r.text(17)?;
    Ok(
        match (r.text(16)?, status.as_deref().and_then(InputStatus::parse)) {
            (Some(digits), Some(status)) => Some(StoredInput {
                digits,
                status,
                attempts: in_range(r.int(18)?.unwrap_or(0), "calls.input_attempts")?,
            }),
            _ => None,
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn call_column_count_matches_the_list() {
        assert_eq!(
            super::CALL_COLUMNS.split(',').count(),
            super::CALL_COLUMN_COUNT
        );
    }
}
