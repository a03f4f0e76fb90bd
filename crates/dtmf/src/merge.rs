//! One stream of key presses out of several sources.
//!
//! Some trunks send a key both as RFC 4733 events and as tones in the audio
//! (or as SIP INFO too). A press seen by two sources with starts within
//! [`MERGE_WINDOW`] counts once: the first report wins and the others are
//! absorbed. Reports from the *same* source are never merged, since one
//! source seeing the key twice means it was pressed twice.

use std::collections::VecDeque;
use std::time::Duration;

use crate::event::{DtmfEvent, DtmfSource};

/// Reports of the same key from different sources this close count once.
pub const MERGE_WINDOW: Duration = Duration::from_millis(150);

/// Recent presses remembered for matching.
const RECENT: usize = 8;

fn source_bit(s: DtmfSource) -> u8 {
    match s {
        DtmfSource::InBand => 1,
        DtmfSource::Rfc4733 => 2,
        DtmfSource::SipInfo => 4,
    }
}

/// Merges the [`DtmfEvent`]s of all sources of one call.
///
/// Feed every event with [`handle_event`](Self::handle_event) (all sources on
/// the same timeline); drain the presses that count with
/// [`poll_event`](Self::poll_event).
///
/// ```
/// use std::time::Duration;
/// use voice_otp_dtmf::{Digit, DtmfEvent, DtmfMerger, DtmfSource};
/// let ms = Duration::from_millis;
/// let ev = |start, source| DtmfEvent { digit: Digit::D1, start: ms(start), duration: ms(80), source };
/// let mut m = DtmfMerger::new();
/// m.handle_event(ev(1000, DtmfSource::Rfc4733));
/// m.handle_event(ev(1030, DtmfSource::InBand));
/// assert!(m.poll_event().is_some());
/// assert!(m.poll_event().is_none());
/// ```
#[derive(Debug, Default)]
pub struct DtmfMerger {
    /// Presses that counted, with a bit per source already matched to them.
    recent: [Option<(DtmfEvent, u8)>; RECENT],
    next: usize,
    out: VecDeque<DtmfEvent>,
}

impl DtmfMerger {
    /// An empty merger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one report from any source.
    pub fn handle_event(&mut self, ev: DtmfEvent) {
        let bit = source_bit(ev.source);
        let mut best: Option<(usize, Duration)> = None;
        for (i, slot) in self.recent.iter().enumerate() {
            let Some((seen, mask)) = slot else { continue };
            if seen.digit != ev.digit || mask & bit != 0 {
                continue;
            }
            let gap = seen.start.abs_diff(ev.start);
            if gap <= MERGE_WINDOW && best.is_none_or(|(_, g)| gap < g) {
                best = Some((i, gap));
            }
        }
        if let Some((i, _)) = best {
            if let Some((_, mask)) = self.recent[i].as_mut() {
                *mask |= bit;
            }
            return;
        }
        self.recent[self.next] = Some((ev, bit));
        self.next = (self.next + 1) % RECENT;
        self.out.push_back(ev);
    }

    /// The next press that counts.
    pub fn poll_event(&mut self) -> Option<DtmfEvent> {
        self.out.pop_front()
    }
}
