//! Resampling one second of audio to 8 kHz from common rates (throughput in input
//! samples per second), including the filter design a WAV read pays once.
// criterion_group! defines a public function without a doc comment.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use voice_otp_media::Resampler;

fn resample(c: &mut Criterion) {
    let mut g = c.benchmark_group("resample_to_8k");
    for rate in [16000u32, 44100, 48000] {
        let input: Vec<f32> = (0..rate)
            .map(|n| (n as f32 * 0.05).sin() * 10000.0)
            .collect();
        g.throughput(Throughput::Elements(u64::from(rate)));
        let r = Resampler::new(rate, 8000).unwrap();
        g.bench_function(format!("{rate}_1s"), |b| {
            b.iter(|| r.process(black_box(&input)))
        });
    }
    g.finish();
    // Filter design, paid once per WAV read at that rate.
    let mut d = c.benchmark_group("resampler_design");
    for rate in [16000u32, 44100, 48000] {
        d.bench_function(format!("{rate}"), |b| {
            b.iter(|| Resampler::new(black_box(rate), 8000).unwrap())
        });
    }
    d.finish();
}

criterion_group!(benches, resample);
criterion_main!(benches);
