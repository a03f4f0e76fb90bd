//! Times the detector exactly like `scripts/spandsp-bench/dtmf_rx_bench.c`
//! times spandsp's `dtmf_rx`: the same 160-sample frames
//! (`fixtures/dtmf/bench_speech_8k.raw`), 2,000,000 frames per round, best
//! round reported, so the two figures are taken the same way on a loaded
//! machine. `cargo run --release -p voice-otp-dtmf --example frame_timing [rounds]`
use std::hint::black_box;
use std::time::Instant;
use voice_otp_dtmf::InbandDetector;

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/dtmf/bench_speech_8k.raw"
    );
    let bytes = std::fs::read(path).expect("fixtures/dtmf/bench_speech_8k.raw");
    let samples: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let frames: Vec<&[i16]> = samples.chunks_exact(160).collect();
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let mut det = InbandDetector::new();
    let mut seen = 0usize;
    for i in 0..frames.len() * 20 {
        det.process(frames[i % frames.len()]);
    }
    let mut best = f64::MAX;
    for r in 0..rounds {
        let iters = 2_000_000;
        let t0 = Instant::now();
        for i in 0..iters {
            det.process(black_box(frames[i % frames.len()]));
            while det.poll_event().is_some() {
                seen += 1;
            }
        }
        let per = t0.elapsed().as_nanos() as f64 / iters as f64;
        println!("round {r}: {per:.1} ns per 160-sample frame");
        best = best.min(per);
    }
    println!(
        "voice-otp InbandDetector best: {best:.1} ns per frame ({} frames of {path}, {seen} digits seen)",
        frames.len()
    );
}
