//! A media engine on loopback and a stream to a test peer, for the tests over real sockets.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;

use voice_otp_rtp::{Codec, EngineConfig, Latching, MediaEngine, PayloadType, StreamConfig};

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
        latching: Latching::Strict,
        srtp: None,
    }
}

/// Runs the calling test alone in a child process of this test binary, so the threads it
/// inspects in `/proc/self` are its own and not those of other tests running alongside in
/// the same binary. Returns `true` in the child, where the test goes on; in the parent it
/// waits for the child, asserts that it ran `name` and passed, and returns `false`.
pub fn alone_in_own_process(name: &str) -> bool {
    const CHILD: &str = "VOICE_OTP_RTP_TEST_ALONE";
    if std::env::var_os(CHILD).is_some() {
        return true;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} alone:\n{stdout}\n{stderr}"
    );
    false
}
