//! `dtmf/frame_160`: one 20 ms frame of speech through one channel's detector.
#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use voice_otp_dtmf::InbandDetector;

fn speech_frames() -> Vec<[i16; 160]> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/dtmf/bench_speech_8k.raw"
    );
    let bytes = std::fs::read(path).expect("fixtures/dtmf/bench_speech_8k.raw");
    let samples: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    samples
        .chunks_exact(160)
        .map(|c| c.try_into().expect("160 samples"))
        .collect()
}

fn bench(c: &mut Criterion) {
    let frames = speech_frames();
    let mut det = InbandDetector::new();
    let mut i = 0;
    c.bench_function("dtmf/frame_160", |b| {
        b.iter(|| {
            det.process(black_box(&frames[i]));
            i = (i + 1) % frames.len();
            black_box(det.poll_event())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
