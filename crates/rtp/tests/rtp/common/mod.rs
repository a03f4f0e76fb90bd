//! Virtual-time harness: steps a sender from deadline to deadline and records what it sends.
#![allow(dead_code, unreachable_pub)]

pub mod engine;
pub mod mutate;
pub mod packets;

use std::time::{Duration, Instant};

use bytes::Bytes;
use voice_otp_rtp::{
    Codec, FrameSource, PayloadType, RtpSender, RtpView, SenderConfig, SenderEvent, SlicedFrames,
    TransmitKind, parse_rtp,
};

/// One RTP packet as sent, with the virtual time it left.
#[derive(Clone, Debug)]
pub struct Sent {
    pub at: Instant,
    pub view: RtpView,
    pub payload: Vec<u8>,
}

/// A sender plus a virtual clock.
pub struct Harness {
    pub sender: RtpSender,
    pub start: Instant,
    pub now: Instant,
    pub rtp: Vec<Sent>,
    pub rtcp: Vec<(Instant, Vec<u8>)>,
    pub events: Vec<(Instant, SenderEvent)>,
}

impl Harness {
    pub fn new(codec: Codec, seed: u64) -> Self {
        let pt = codec
            .static_payload_type()
            .unwrap_or(PayloadType::new(111).unwrap());
        Self::with_config(SenderConfig::new(codec, pt, seed))
    }

    pub fn with_config(config: SenderConfig) -> Self {
        let start = Instant::now();
        Harness {
            sender: RtpSender::new(config, start),
            start,
            now: start,
            rtp: Vec::new(),
            rtcp: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Runs the sender at `now` and collects its output.
    pub fn fire(&mut self, now: Instant) {
        self.now = now;
        self.sender.handle_timeout(now);
        self.drain();
    }

    pub fn drain(&mut self) {
        let now = self.now;
        while let Some(t) = self.sender.poll_transmit() {
            match t.kind {
                TransmitKind::Rtp => {
                    let view = parse_rtp(t.data).expect("sender output parses");
                    let payload = t.data[view.payload.clone()].to_vec();
                    self.rtp.push(Sent {
                        at: now,
                        view,
                        payload,
                    });
                }
                TransmitKind::Rtcp => self.rtcp.push((now, t.data.to_vec())),
            }
        }
        while let Some(e) = self.sender.poll_event() {
            self.events.push((now, e));
        }
    }

    /// Steps exactly to each deadline until `until` (relative to start).
    pub fn run_until(&mut self, until: Duration) {
        let end = self.start + until;
        while let Some(at) = self.sender.poll_timeout() {
            if at > end {
                break;
            }
            self.fire(at);
        }
        self.now = end;
    }

    pub fn elapsed(&self, at: Instant) -> Duration {
        at - self.start
    }
}

/// A G.711 "prompt" of `frames` 160-byte frames, frame i filled with byte `base + i`.
pub fn prompt(frames: usize, base: u8) -> Box<dyn FrameSource> {
    let mut data = Vec::with_capacity(frames * 160);
    for i in 0..frames {
        data.extend(std::iter::repeat_n(base.wrapping_add(i as u8), 160));
    }
    Box::new(SlicedFrames::new(Bytes::from(data), 160))
}

/// Asserts that packets' sequence numbers and timestamps advance by one step each.
pub fn assert_continuous(sent: &[Sent], ticks: u32) {
    for w in sent.windows(2) {
        assert_eq!(
            w[1].view.seq.0,
            w[0].view.seq.0.wrapping_add(1),
            "sequence gap"
        );
        assert_eq!(
            w[1].view.timestamp.0,
            w[0].view.timestamp.0.wrapping_add(ticks),
            "timestamp gap"
        );
        assert_eq!(w[1].view.ssrc, w[0].view.ssrc);
    }
}
