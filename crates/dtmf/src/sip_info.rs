//! DTMF carried in SIP INFO bodies.
//!
//! Two formats exist in the wild: `application/dtmf-relay` (Cisco, most
//! trunks) with `Signal=1` and `Duration=160` lines, and `application/dtmf`
//! whose body is just the key. Some senders give `*` and `#` as the event
//! codes `10` and `11`; both spellings are accepted.

use std::time::Duration;

use crate::error::DtmfError;
use crate::event::{Digit, DtmfEvent, DtmfSource};

/// Duration assumed when a body does not say (a typical key press).
pub const DEFAULT_INFO_DURATION: Duration = Duration::from_millis(250);

/// The key of a SIP INFO request, before it is placed on a timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SipInfoDtmf {
    /// The key.
    pub digit: Digit,
    /// `Duration=` in milliseconds, when the body gave one.
    pub duration: Option<Duration>,
}

impl SipInfoDtmf {
    /// The press as an event that started at `start` on the call's timeline.
    pub fn into_event(self, start: Duration) -> DtmfEvent {
        DtmfEvent {
            digit: self.digit,
            start,
            duration: self.duration.unwrap_or(DEFAULT_INFO_DURATION),
            source: DtmfSource::SipInfo,
        }
    }

    /// The press as an event that ended at `end` on the call's timeline: an INFO is sent
    /// when the key is released and carries no start, so it started its duration earlier
    /// (clamped at the timeline's zero).
    pub fn ended_at(self, end: Duration) -> DtmfEvent {
        let held = self.duration.unwrap_or(DEFAULT_INFO_DURATION);
        self.into_event(end.saturating_sub(held))
    }
}

/// Parses the body of a SIP INFO request given its `Content-Type` value.
pub fn parse_sip_info(content_type: &str, body: &[u8]) -> Result<SipInfoDtmf, DtmfError> {
    let mime = content_type.split(';').next().unwrap_or("").trim();
    let text = std::str::from_utf8(body).map_err(|_| DtmfError::NotText)?;
    if mime.eq_ignore_ascii_case("application/dtmf-relay") {
        parse_relay(text)
    } else if mime.eq_ignore_ascii_case("application/dtmf") {
        Ok(SipInfoDtmf {
            digit: parse_signal(text.trim())?,
            duration: None,
        })
    } else {
        Err(DtmfError::UnsupportedContentType)
    }
}

fn parse_relay(text: &str) -> Result<SipInfoDtmf, DtmfError> {
    let mut digit = None;
    let mut duration = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if key.eq_ignore_ascii_case("signal") {
            digit = Some(parse_signal(value)?);
        } else if key.eq_ignore_ascii_case("duration") {
            let ms: u32 = value.parse().map_err(|_| DtmfError::InvalidDuration)?;
            duration = Some(Duration::from_millis(u64::from(ms)));
        }
    }
    Ok(SipInfoDtmf {
        digit: digit.ok_or(DtmfError::MissingSignal)?,
        duration,
    })
}

fn parse_signal(value: &str) -> Result<Digit, DtmfError> {
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Digit::from_char(c).ok_or(DtmfError::InvalidSignal),
        _ => match value {
            "10" => Ok(Digit::Star),
            "11" => Ok(Digit::Hash),
            "12" => Ok(Digit::A),
            "13" => Ok(Digit::B),
            "14" => Ok(Digit::C),
            "15" => Ok(Digit::D),
            _ => Err(DtmfError::InvalidSignal),
        },
    }
}
