//! Per-packet costs: packetize + marshal one 20 ms G.711 frame (the sender's hot path), and
//! receive + parse + decode one frame into the DTMF detectors (the receiver's hot path).
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use voice_otp_rtp::{
    Codec, Latching, PayloadType, ReceiverConfig, RtpReceiver, RtpSender, SenderConfig,
    SlicedFrames, parse_rtp,
};

fn packetize(c: &mut Criterion) {
    let audio = Bytes::from(vec![0x55u8; 160 * 50 * 3600]);
    let t0 = Instant::now();
    let mut sender = RtpSender::new(SenderConfig::new(Codec::Pcma, PayloadType::PCMA, 1), t0);
    sender.play(Box::new(SlicedFrames::new(audio, 160)));
    let mut now = t0;
    c.bench_function("packetize_marshal_g711_frame", |b| {
        b.iter(|| {
            sender.handle_timeout(now);
            let t = sender.poll_transmit().expect("one packet per 20 ms");
            black_box(t.data.len());
            while sender.poll_transmit().is_some() {}
            now += Duration::from_millis(20);
        })
    });
}

fn receive(c: &mut Criterion) {
    let peer: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let t0 = Instant::now();
    let mut r = RtpReceiver::new(
        ReceiverConfig {
            codec: Codec::Pcma,
            payload_type: PayloadType::PCMA,
            telephone_event: PayloadType::new(101),
            remote: peer,
            latching: Latching::Strict,
        },
        t0,
    );
    let mut pkt = vec![0x80, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7];
    pkt.extend_from_slice(&[0xd5; 160]);
    let mut seq: u16 = 0;
    let mut ts: u32 = 0;
    let mut now = t0;
    c.bench_function("receive_parse_decode_g711_frame", |b| {
        b.iter(|| {
            pkt[2..4].copy_from_slice(&seq.to_be_bytes());
            pkt[4..8].copy_from_slice(&ts.to_be_bytes());
            r.handle_datagram(now, peer, black_box(&pkt)).unwrap();
            while r.poll_event().is_some() {}
            seq = seq.wrapping_add(1);
            ts = ts.wrapping_add(160);
            now += Duration::from_millis(20);
        })
    });
    c.bench_function("parse_rtp_header", |b| {
        b.iter(|| black_box(parse_rtp(black_box(&pkt)).unwrap()))
    });
}

criterion_group!(benches, packetize, receive);
criterion_main!(benches);
