//! The real [`Backend`]: the trunk group's SIP endpoints, the RTP media engine and the
//! renderer.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::sync::mpsc;
use tracing::debug;
use voice_otp_media::{RenderedAudio, Renderer};
use voice_otp_rtp::{
    Latching, MediaEngine, PayloadType, SrtpStream, SrtpSuite, StreamConfig, StreamEvent,
    StreamHandle,
};
use voice_otp_sip::{
    CallRequest, Codec, MediaOffer, NegotiatedMedia, SipEndpoint, SrtpOffer, SrtpPolicy,
};

use super::backend::{Backend, MediaEvent, MediaStream, Rendered};
use super::trunk_dialog::{SipDialog, Trunks, place};
use crate::error::Error;
use crate::flow::{DialFailure, PlayId};
use crate::spec::CallSpec;
use crate::trunks::{TrunkGrant, TrunkGroup, TrunkLimits};

/// How calls are offered on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackConfig {
    /// The address written into the SDP offer (`[rtp] ip`); the engine binds its ports.
    pub rtp_ip: IpAddr,
    /// Codecs offered, in preference order.
    pub codecs: Vec<Codec>,
    /// Payload type offered for `telephone-event/8000`; `None` to not offer RFC 4733.
    pub telephone_event_pt: Option<u8>,
    /// Whether a stream may follow the far end to another port of its SDP IP, early and
    /// once (for trunks behind NAT), or keeps strictly to the SDP address (`[rtp] latching`).
    pub latching: Latching,
    /// Whether calls offer SRTP with SDES keys, and insist on it (`[rtp] srtp`).
    pub srtp: SrtpPolicy,
}

impl StackConfig {
    /// PCMA and PCMU with telephone-event on 101, symmetric latching, media on `rtp_ip`.
    pub fn g711(rtp_ip: IpAddr) -> Self {
        StackConfig {
            rtp_ip,
            codecs: vec![Codec::Pcma, Codec::Pcmu],
            telephone_event_pt: Some(101),
            latching: Latching::Symmetric,
            srtp: SrtpPolicy::Off,
        }
    }
}

/// The trunk group's SIP endpoints, the media engine and the renderer, as the runner's
/// [`Backend`].
#[derive(Debug)]
pub struct Stack {
    trunks: Arc<Trunks>,
    media: Arc<MediaEngine>,
    renderer: Renderer,
    config: StackConfig,
    /// Budget taken by [`Backend::wait_ready`] for a call about to dial, by call id.
    admitted: Mutex<HashMap<String, TrunkGrant>>,
}

impl Stack {
    /// A backend over running SIP and media stacks: one trunk, `default`, without budget.
    pub fn new(
        sip: Arc<SipEndpoint>,
        media: Arc<MediaEngine>,
        renderer: Renderer,
        config: StackConfig,
    ) -> Self {
        let group = TrunkGroup::local(vec![TrunkLimits::new("default")], None);
        let trunks = Trunks {
            endpoints: vec![sip],
            group: Arc::new(group),
        };
        Stack::from_parts(trunks, media, renderer, config)
    }

    /// A backend over a trunk group: `endpoints[i]` is the SIP endpoint of the group's
    /// trunk `i`.
    pub fn with_trunks(
        endpoints: Vec<Arc<SipEndpoint>>,
        group: Arc<TrunkGroup>,
        media: Arc<MediaEngine>,
        renderer: Renderer,
        config: StackConfig,
    ) -> Result<Self, Error> {
        if endpoints.len() != group.trunks().len() || endpoints.is_empty() {
            return Err(Error::TrunkEndpoints {
                endpoints: endpoints.len(),
                trunks: group.trunks().len(),
            });
        }
        let trunks = Trunks { endpoints, group };
        Ok(Stack::from_parts(trunks, media, renderer, config))
    }

    fn from_parts(
        trunks: Trunks,
        media: Arc<MediaEngine>,
        renderer: Renderer,
        config: StackConfig,
    ) -> Self {
        Stack {
            trunks: Arc::new(trunks),
            media,
            renderer,
            config,
            admitted: Mutex::new(HashMap::new()),
        }
    }

    /// The trunk group (for its attempt counters).
    pub fn trunk_group(&self) -> &Arc<TrunkGroup> {
        &self.trunks.group
    }

    fn admitted(&self) -> std::sync::MutexGuard<'_, HashMap<String, TrunkGrant>> {
        self.admitted.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One call's RTP stream on the shared engine.
#[derive(Debug)]
pub struct RtpStream {
    handle: StreamHandle,
    events: mpsc::Receiver<StreamEvent>,
    /// A command failed (engine stopped); reported as the next event.
    failed: bool,
}

impl MediaStream for RtpStream {
    type Audio = Arc<RenderedAudio>;
    type Media = NegotiatedMedia;

    fn play(&mut self, id: PlayId, audio: &Arc<RenderedAudio>) {
        if let Err(error) = self.handle.play(id, Arc::clone(audio)) {
            debug!(%error, "play failed");
            self.failed = true;
        }
    }

    fn stop_playback(&mut self) {
        if self.handle.stop_playback().is_err() {
            self.failed = true;
        }
    }

    fn update_remote(&mut self, media: NegotiatedMedia) {
        // RFC 4568 7.1.4: a re-INVITE may bring the far end's new SRTP key, which protects
        // what it sends from then on (the handle leaves the key in use alone).
        if let Some(s) = &media.srtp
            && let Some(suite) = SrtpSuite::from_name(s.suite.name())
            && let Err(error) = self.handle.rekey_inbound(suite, s.remote.as_bytes())
        {
            debug!(%error, "SRTP re-key failed");
            self.failed = true;
        }
        // The engine has no retarget command: a stream keeps to the address it settled on,
        // so signalling alone cannot send the code's audio elsewhere.
        debug!(remote = %media.remote_rtp, "far end moved its media");
    }

    async fn next_event(&mut self) -> Option<MediaEvent> {
        loop {
            if self.failed {
                return Some(MediaEvent::Failed);
            }
            match self.events.recv().await? {
                StreamEvent::PlaybackFinished(id) => return Some(MediaEvent::PlaybackFinished(id)),
                StreamEvent::Dtmf(press) => return Some(MediaEvent::Dtmf(press)),
                StreamEvent::RemoteLatched(addr) => debug!(%addr, "RTP latched"),
                // SIP's BYE ends the call; an RTCP BYE alone does not.
                StreamEvent::RemoteBye => debug!("RTCP BYE from the far end"),
            }
        }
    }

    fn epoch(&self) -> Instant {
        self.handle.epoch()
    }

    async fn close(self) {
        // The engine's totals already count this stream's packets (read at scrape time).
        let _ = self.handle.close().await;
    }
}

/// A stream seed that differs per call without a random source: FNV-1a of the call id
/// (a random UUID).
fn seed_of(call_id: &str) -> u64 {
    call_id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn rtp_codec(codec: Codec) -> voice_otp_rtp::Codec {
    match codec {
        Codec::Pcma => voice_otp_rtp::Codec::Pcma,
        Codec::Pcmu => voice_otp_rtp::Codec::Pcmu,
        Codec::Opus => voice_otp_rtp::Codec::Opus,
    }
}

impl Backend for Stack {
    type Audio = Arc<RenderedAudio>;
    type Dialog = SipDialog;
    type Stream = RtpStream;
    type Error = Error;

    async fn render(&self, spec: &CallSpec) -> Result<Rendered<Arc<RenderedAudio>>, Error> {
        let renderer = self.renderer.clone();
        let spec = spec.clone();
        // TTS runs espeak-ng and files are decoded: keep that off the async workers.
        tokio::task::spawn_blocking(move || {
            let prompt = |p: &Option<voice_otp_media::PromptSource>| {
                p.as_ref()
                    .map(|p| renderer.render_prompt(p, &spec.voice))
                    .transpose()
                    .map_err(Error::RenderPrompt)
            };
            let code = spec
                .code
                .as_ref()
                .map(|c| renderer.render_code(c.expose(), spec.code_type, &spec.voice))
                .transpose()
                .map_err(Error::RenderCode)?;
            Ok(Rendered {
                intro: prompt(&spec.intro)?,
                code_prompt: prompt(&spec.code_prompt)?,
                code,
                replay_prompt: prompt(&spec.replay_prompt)?,
                outro: prompt(&spec.outro)?,
                invalid_prompt: prompt(&spec.invalid_prompt)?,
                keypress_prompt: spec
                    .keypress
                    .map(|digit| {
                        let (source, voice) = crate::keypress_prompt(digit, &spec.voice);
                        renderer.render_prompt(&source, &voice)
                    })
                    .transpose()
                    .map_err(Error::RenderPrompt)?,
            })
        })
        .await
        .map_err(|_| Error::RenderTask)?
    }

    async fn wait_ready(&self, spec: &CallSpec) {
        if let Some(grant) = self.trunks.group.acquire(&[]).await {
            self.admitted().insert(spec.call_id.clone(), grant);
        }
    }

    async fn dial(&self, spec: &CallSpec) -> Result<SipDialog, DialFailure> {
        let admitted = self.admitted().remove(&spec.call_id);
        let grant = match admitted {
            Some(grant) => grant,
            None => self
                .trunks
                .group
                .acquire(&[])
                .await
                .ok_or(DialFailure::NoRoute)?,
        };
        let ports = self.media.reserve().map_err(|error| {
            tracing::warn!(%error, "no RTP ports for the call");
            DialFailure::Local
        })?;
        // Fresh keys for every call, from the OS's CSPRNG; dropped (zeroized) with the call.
        let srtp = SrtpOffer::generate(self.config.srtp).map_err(|error| {
            tracing::warn!(%error, "no SRTP keys for the call");
            DialFailure::Local
        })?;
        let request = CallRequest {
            callee: spec.callee.clone(),
            caller: spec.caller.clone(),
            anonymous: spec.anonymous,
            trunk: None,
            media: MediaOffer {
                rtp: SocketAddr::new(self.config.rtp_ip, ports.rtp_port()),
                codecs: self.config.codecs.clone(),
                telephone_event_pt: self.config.telephone_event_pt,
                ptime: 20,
                srtp,
            },
            extra_headers: Vec::new(),
        };
        let attempt = place(&self.trunks, request.clone(), grant).await?;
        Ok(SipDialog::new(
            Arc::clone(&self.trunks),
            (request, self.config.srtp),
            attempt,
            ports,
            seed_of(&spec.call_id),
        ))
    }

    async fn open_stream(
        &self,
        dialog: &mut SipDialog,
        media: NegotiatedMedia,
    ) -> Result<RtpStream, Error> {
        let local = dialog.ports.take().ok_or(Error::PortsUsed)?;
        let payload_type =
            PayloadType::new(media.payload_type).ok_or(Error::PayloadType(media.payload_type))?;
        let config = StreamConfig {
            local,
            remote: media.remote_rtp,
            remote_rtcp: None,
            codec: rtp_codec(media.codec),
            payload_type,
            telephone_event: media.telephone_event_pt.and_then(PayloadType::new),
            seed: dialog.seed,
            latching: self.config.latching,
            srtp: media
                .srtp
                .as_ref()
                .map(|s| {
                    let suite = SrtpSuite::from_name(s.suite.name()).ok_or(Error::SrtpSuite)?;
                    Ok::<_, Error>(SrtpStream::new(
                        suite,
                        s.local.as_bytes(),
                        s.remote.as_bytes(),
                    )?)
                })
                .transpose()?,
        };
        let (handle, events) = self.media.open_stream(config).await?;
        Ok(RtpStream {
            handle,
            events,
            failed: false,
        })
    }
}
