//! What the phone heard: G.711 payloads decoded and placed by RTP timestamp.

use voice_otp_media::G711Law;

/// Longest recording kept (10 minutes at 8 kHz); later audio is dropped so a runaway
/// call cannot exhaust memory.
const MAX_SAMPLES: usize = 8000 * 600;

/// Decodes G.711 payloads into one 8 kHz track, each at the sample its RTP timestamp names
/// (relative to the first packet), so lost or late packets leave silence where they
/// belong instead of shifting everything after them.
#[derive(Debug)]
pub(crate) struct Recorder {
    law: G711Law,
    first_ts: Option<u32>,
    samples: Vec<i16>,
}

impl Recorder {
    pub(crate) fn new(law: G711Law) -> Self {
        Recorder {
            law,
            first_ts: None,
            samples: Vec::new(),
        }
    }

    /// Places one payload; returns its mean absolute level (0 when dropped).
    pub(crate) fn push(&mut self, timestamp: u32, payload: &[u8]) -> u32 {
        let first = *self.first_ts.get_or_insert(timestamp);
        // Signed distance so a packet reordered before the first one is recognised (and
        // dropped) instead of landing 2^32 samples later.
        let offset = timestamp.wrapping_sub(first) as i32;
        let Ok(start) = usize::try_from(offset) else {
            return 0;
        };
        let end = start + payload.len();
        if end > MAX_SAMPLES {
            return 0;
        }
        if self.samples.len() < end {
            self.samples.resize(end, 0);
        }
        let dst = &mut self.samples[start..end];
        self.law.decode_slice(payload, dst);
        if dst.is_empty() {
            return 0;
        }
        let sum: u64 = dst.iter().map(|s| u64::from(s.unsigned_abs())).sum();
        (sum / dst.len() as u64) as u32
    }

    pub(crate) fn into_samples(self) -> Vec<i16> {
        self.samples
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_and_reordering_keep_their_place() {
        let law = G711Law::Alaw;
        let loud = vec![law.encode(8000); 160];
        let mut r = Recorder::new(law);
        assert!(r.push(1000, &loud) > 7000);
        // The packet at 1320 arrives before the one at 1160, which is lost.
        r.push(1320, &loud);
        // Before the first packet: dropped.
        assert_eq!(r.push(900, &loud), 0);
        let s = r.into_samples();
        assert_eq!(s.len(), 480);
        assert!(s[..160].iter().all(|&v| v > 7000));
        assert!(s[160..320].iter().all(|&v| v == 0));
        assert!(s[320..].iter().all(|&v| v > 7000));
    }
}
