//! G.711 encode/decode throughput (samples per second) over one second of audio.
// criterion_group! defines a public function without a doc comment.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use voice_otp_media::G711Law;

fn g711(c: &mut Criterion) {
    // A second of a speech-like sweep: every table region is touched.
    let samples: Vec<i16> = (0..8000)
        .map(|n| ((n as f64 * 0.37).sin() * 30000.0 * ((n % 400) as f64 / 400.0)) as i16)
        .collect();
    let mut codes = vec![0u8; samples.len()];
    let mut back = vec![0i16; samples.len()];
    let mut g = c.benchmark_group("g711");
    g.throughput(Throughput::Elements(samples.len() as u64));
    for law in G711Law::ALL {
        g.bench_function(format!("encode_{law:?}"), |b| {
            b.iter(|| law.encode_slice(black_box(&samples), black_box(&mut codes)))
        });
        law.encode_slice(&samples, &mut codes);
        g.bench_function(format!("decode_{law:?}"), |b| {
            b.iter(|| law.decode_slice(black_box(&codes), black_box(&mut back)))
        });
    }
    g.finish();
}

criterion_group!(benches, g711);
criterion_main!(benches);
