//! Rendering a 6-character reading (shipped en-GB code prompt + spelling files): cold (a
//! new renderer: files read, decoded, G.711 encoded) and from the cache (what every replay
//! and every further call with the same code costs).
// criterion_group! defines a public function without a doc comment.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use voice_otp_media::{AudioRoot, CodeType, EspeakNg, RenderConfig, Renderer, Voice};

fn renderer() -> Renderer {
    let audio = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../audio");
    Renderer::new(
        AudioRoot::new(None, audio),
        Arc::new(EspeakNg::new()),
        RenderConfig::default(),
    )
}

fn render(c: &mut Criterion) {
    let voice = Voice::default();
    let mut g = c.benchmark_group("reading_6_chars");
    g.bench_function("cold", |b| {
        b.iter(|| {
            renderer()
                .render_reading(None, black_box("7a3k9z"), CodeType::Default, &voice)
                .unwrap()
        })
    });
    let warm = renderer();
    warm.render_reading(None, "7a3k9z", CodeType::Default, &voice)
        .unwrap();
    g.bench_function("cached", |b| {
        b.iter(|| {
            warm.render_reading(None, black_box("7a3k9z"), CodeType::Default, &voice)
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
