//! Parsing an INVITE and a 200 with SDP, and building our INVITE.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use voice_otp_sip::{
    CallRequest, MediaOffer, SessionDescription, Transport, TrunkTarget, UaConfig, build_invite,
    parse_message,
};

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../fuzz/corpus/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let invite = corpus("sip_message/sipp_invite.sip");
    let ok = corpus("sip_message/sipp_200_ok.sip");
    let sdp = corpus("sdp/trunk_answer_ipv6.sdp");
    c.bench_function("parse_invite", |b| {
        b.iter(|| parse_message(black_box(&invite)).unwrap())
    });
    c.bench_function("parse_200_ok_sdp", |b| {
        b.iter(|| parse_message(black_box(&ok)).unwrap())
    });
    c.bench_function("parse_sdp_answer", |b| {
        b.iter(|| SessionDescription::parse(black_box(&sdp)).unwrap())
    });
    let config = UaConfig {
        local_addr: "192.0.2.1:5060".parse().unwrap(),
        transport: Transport::Udp,
        from_domain: "otp.example".into(),
        user_agent: "voice-otp".into(),
        username: String::new(),
        password: String::new(),
        trunk: Some(TrunkTarget {
            addr: "192.0.2.2:5060".parse().unwrap(),
            host: "trunk.example".into(),
        }),
        keepalive: None,
        seed: 1,
        timers: Default::default(),
    };
    let req = CallRequest {
        callee: "+31612345678".into(),
        caller: "+3197010".into(),
        anonymous: false,
        trunk: None,
        media: MediaOffer::g711("192.0.2.1:40000".parse().unwrap()),
        extra_headers: vec![],
    };
    c.bench_function("build_invite", |b| {
        b.iter(|| build_invite(black_box(&config), req.clone()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
