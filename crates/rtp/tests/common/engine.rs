//! A media engine on loopback and a stream to a test peer, for the tests over real sockets.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;

use voice_otp_rtp::{Codec, EngineConfig, MediaEngine, PayloadType, StreamConfig};

/// Engine settings on 127.0.0.1 with `workers` pacers over `ports` (`"low-high"`, a range
/// of its own per test file so test binaries running at once do not collide).
pub fn loopback_config(ports: &str, workers: usize) -> EngineConfig {
    let mut config = EngineConfig::new(ports.parse().unwrap());
    config.bind_ip = "127.0.0.1".parse().unwrap();
    config.workers = workers;
    config
}

/// A started engine with [`loopback_config`].
pub fn loopback_engine(ports: &str, workers: usize) -> MediaEngine {
    MediaEngine::start(loopback_config(ports, workers)).unwrap()
}

/// A PCMA stream from freshly reserved ports to `remote`: RTCP on the next port, no
/// telephone-event, no latching. Tests change what they need with `..pcma_to(..)`.
pub fn pcma_to(engine: &MediaEngine, remote: SocketAddr, seed: u64) -> StreamConfig {
    StreamConfig {
        local: engine.reserve().unwrap(),
        remote,
        remote_rtcp: None,
        codec: Codec::Pcma,
        payload_type: PayloadType::PCMA,
        telephone_event: None,
        seed,
        latching: false,
    }
}
