//! The vocabulary shared by every DTMF source: keys, sources and events.

use std::fmt;
use std::time::Duration;

/// One of the 16 DTMF keys: `0`-`9`, `*`, `#` and `A`-`D`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Digit {
    /// Key `0`.
    D0,
    /// Key `1`.
    D1,
    /// Key `2`.
    D2,
    /// Key `3`.
    D3,
    /// Key `4`.
    D4,
    /// Key `5`.
    D5,
    /// Key `6`.
    D6,
    /// Key `7`.
    D7,
    /// Key `8`.
    D8,
    /// Key `9`.
    D9,
    /// Key `*`.
    Star,
    /// Key `#`.
    Hash,
    /// Key `A`.
    A,
    /// Key `B`.
    B,
    /// Key `C`.
    C,
    /// Key `D`.
    D,
}

/// Every key, in RFC 4733 event-code order (the index is the event code).
const ALL: [Digit; 16] = [
    Digit::D0,
    Digit::D1,
    Digit::D2,
    Digit::D3,
    Digit::D4,
    Digit::D5,
    Digit::D6,
    Digit::D7,
    Digit::D8,
    Digit::D9,
    Digit::Star,
    Digit::Hash,
    Digit::A,
    Digit::B,
    Digit::C,
    Digit::D,
];

impl Digit {
    /// All 16 keys, in RFC 4733 event-code order.
    pub const ALL: [Digit; 16] = ALL;

    /// The key as printed on the keypad: `'0'`-`'9'`, `'*'`, `'#'`, `'A'`-`'D'`.
    pub const fn as_char(self) -> char {
        b"0123456789*#ABCD"[self as usize] as char
    }

    /// The key printed as `c` (`a`-`d` accepted too), or `None`.
    pub const fn from_char(c: char) -> Option<Digit> {
        let i = match c {
            '0'..='9' => c as usize - '0' as usize,
            '*' => 10,
            '#' => 11,
            'A'..='D' => 12 + (c as usize - 'A' as usize),
            'a'..='d' => 12 + (c as usize - 'a' as usize),
            _ => return None,
        };
        Some(ALL[i])
    }

    /// The RFC 4733 event code of the key (0-9, 10 `*`, 11 `#`, 12-15 `A`-`D`).
    pub const fn event_code(self) -> u8 {
        self as u8
    }

    /// The key of an RFC 4733 event code, or `None` for codes above 15 (not DTMF).
    pub const fn from_event_code(code: u8) -> Option<Digit> {
        if code < 16 {
            Some(ALL[code as usize])
        } else {
            None
        }
    }

    /// Keypad row (0-3) and column (0-3), which select the low and the high tone.
    pub(crate) const fn row_col(self) -> (usize, usize) {
        let pos = match self {
            Digit::D1 => 0,
            Digit::D2 => 1,
            Digit::D3 => 2,
            Digit::A => 3,
            Digit::D4 => 4,
            Digit::D5 => 5,
            Digit::D6 => 6,
            Digit::B => 7,
            Digit::D7 => 8,
            Digit::D8 => 9,
            Digit::D9 => 10,
            Digit::C => 11,
            Digit::Star => 12,
            Digit::D0 => 13,
            Digit::Hash => 14,
            Digit::D => 15,
        };
        (pos / 4, pos % 4)
    }

    /// The key at keypad row `row` and column `col` (both 0-3).
    pub(crate) const fn from_row_col(row: usize, col: usize) -> Digit {
        const KEYPAD: [Digit; 16] = [
            Digit::D1,
            Digit::D2,
            Digit::D3,
            Digit::A,
            Digit::D4,
            Digit::D5,
            Digit::D6,
            Digit::B,
            Digit::D7,
            Digit::D8,
            Digit::D9,
            Digit::C,
            Digit::Star,
            Digit::D0,
            Digit::Hash,
            Digit::D,
        ];
        KEYPAD[(row & 3) * 4 + (col & 3)]
    }

    /// The low (row) and high (column) tone frequencies of the key, in Hz.
    pub const fn frequencies(self) -> (f32, f32) {
        let (r, c) = self.row_col();
        (crate::inband::ROW_FREQS[r], crate::inband::COL_FREQS[c])
    }
}

impl fmt::Display for Digit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

/// How a key press reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DtmfSource {
    /// Tones inside the audio, found by [`InbandDetector`](crate::InbandDetector).
    InBand,
    /// RFC 4733 (RFC 2833) telephone-event RTP packets.
    Rfc4733,
    /// A SIP INFO request (`application/dtmf-relay` or `application/dtmf`).
    SipInfo,
}

/// One key press, reported once, after it ended.
///
/// `start` is on the caller's timeline: the in-band detector counts from its
/// first sample, the RFC 4733 tracker from the epoch it was created with, and
/// a SIP INFO event from whatever start the caller gives it. Feed every source
/// of one call with the same zero so [`DtmfMerger`](crate::DtmfMerger) can
/// compare them: in voice-otp, the zero of the call's RTP stream (its receiver
/// shifts in-band starts onto it; the runner places SIP INFO with
/// [`SipInfoDtmf::ended_at`](crate::SipInfoDtmf::ended_at)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfEvent {
    /// The key.
    pub digit: Digit,
    /// When the key went down, relative to the timeline's zero.
    pub start: Duration,
    /// How long the key was held (as far as the source could tell).
    pub duration: Duration,
    /// Where the press came from.
    pub source: DtmfSource,
}

/// The keys a callee pressed, in order: typed [`Digit`]s from the merger to the call's
/// outcome, printed (`Display`) as keypad characters such as `"5#"` only where a record or
/// an event needs text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Keys(Vec<Digit>);

impl Keys {
    /// No key yet.
    pub const fn new() -> Self {
        Keys(Vec::new())
    }

    /// Appends a press.
    pub fn push(&mut self, digit: Digit) {
        self.0.push(digit);
    }

    /// The presses, in order.
    pub fn as_slice(&self) -> &[Digit] {
        &self.0
    }

    /// How many keys were pressed.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no key was pressed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0
            .iter()
            .try_for_each(|d| fmt::Write::write_char(f, d.as_char()))
    }
}

impl FromIterator<Digit> for Keys {
    fn from_iter<I: IntoIterator<Item = Digit>>(iter: I) -> Self {
        Keys(iter.into_iter().collect())
    }
}

/// Reads keys back from their text (a stored record): every character must be a key.
impl std::str::FromStr for Keys {
    type Err = crate::DtmfError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.chars()
            .map(|c| Digit::from_char(c).ok_or(crate::DtmfError::InvalidKey))
            .collect()
    }
}

/// Compares with the printed form, so `keys == "5#"` reads as it prints.
impl PartialEq<&str> for Keys {
    fn eq(&self, other: &&str) -> bool {
        self.0.len() == other.chars().count()
            && self
                .0
                .iter()
                .zip(other.chars())
                .all(|(d, c)| d.as_char() == c)
    }
}
