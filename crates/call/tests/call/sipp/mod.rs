//! A real SIPp UAS on 127.0.0.1 (from voice-otp-testkit) and a real stack (SIP endpoint,
//! RTP engine, renderer over the shipped audio) for runner tests over sockets.
// Not every test binary that includes this module uses every helper.
#![allow(dead_code, unused_imports)]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use voice_otp_call::runner::{CallRunner, Stack, StackConfig};
use voice_otp_call::{CallKind, CallSettings, CallSpec, OtpCode};
use voice_otp_media::{AudioRoot, CodeType, EspeakNg, RenderConfig, Renderer, Voice};
use voice_otp_rtp::{EngineConfig, MediaEngine, PortRange};
use voice_otp_sip::{EndpointConfig, SipEndpoint};
pub(crate) use voice_otp_testkit::repo_root as repo;
pub(crate) use voice_otp_testkit::sipp::{Sipp, fixture};

/// How long a test waits for SIPp to exit once its call is over.
pub(crate) const FINISH: Duration = Duration::from_secs(40);

/// An OTP call to one callee that reads `code` with the shipped voice and no prompts, one
/// replay after `replay_wait`, 20 s of ringing; a test sets its own `call_id` and whatever
/// else it varies with struct update syntax.
pub(crate) fn bare_otp_spec(code: &str, replay_wait: Duration) -> CallSpec {
    CallSpec {
        call_id: "00000000-0000-4000-8000-000000000000".to_owned(),
        instruction_id: None,
        kind: CallKind::Otp,
        callee: "+447700900123".to_owned(),
        caller: "+31201234567".to_owned(),
        anonymous: false,
        ring_timeout: Duration::from_secs(20),
        intro: None,
        code_prompt: None,
        replay_prompt: None,
        outro: None,
        code: Some(OtpCode::new(code)),
        code_type: CodeType::Default,
        collect: None,
        invalid_prompt: None,
        keypress: None,
        voice: Voice::default(),
        max_replays: 1,
        auto_replay: false,
        settings: CallSettings {
            replay_wait,
            ..CallSettings::default()
        },
    }
}

/// A runner over a real SIP endpoint towards `sipp`, an RTP engine on loopback ports
/// from `rtp_low` (64 pairs), and a renderer over the repository's shipped audio.
pub(crate) async fn runner(sipp: &Sipp, rtp_low: u16) -> (CallRunner<Stack>, Arc<SipEndpoint>) {
    let mut sip = EndpointConfig::udp("127.0.0.1:0".parse().unwrap(), sipp.addr().to_string());
    sip.from_domain = "otp.example".into();
    let sip = Arc::new(SipEndpoint::start(sip).await.expect("SIP endpoint starts"));
    let mut media = EngineConfig::new(PortRange::new(rtp_low, rtp_low + 127).unwrap());
    media.bind_ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    media.workers = 1;
    let media = Arc::new(MediaEngine::start(media).expect("media engine starts"));
    let renderer = Renderer::new(
        AudioRoot::new(None, repo().join("audio")),
        Arc::new(EspeakNg::new()),
        RenderConfig::default(),
    );
    let runner = CallRunner::new(
        Arc::clone(&sip),
        media,
        renderer,
        StackConfig::g711(IpAddr::V4(Ipv4Addr::LOCALHOST)),
    );
    (runner, sip)
}
