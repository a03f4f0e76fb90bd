//! The real [`Backend`]: the SIP endpoint, the RTP media engine and the renderer.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tracing::debug;
use voice_otp_media::{RenderedAudio, Renderer};
use voice_otp_rtp::{
    Latching, LocalPorts, MediaEngine, PayloadType, StreamConfig, StreamEvent, StreamHandle,
};
use voice_otp_sip::{
    CallKey, CallRequest, Codec, EndReason, FailReason, MediaOffer, NegotiatedMedia,
    NegotiationError, SipEndpoint, SipEvent,
};

use super::backend::{
    Backend, Dialog, MediaEvent, MediaFigures, MediaStream, Rendered, SignalEvent,
};
use crate::error::Error;
use crate::flow::DialFailure;
use crate::spec::CallSpec;

/// A `PlaybackFinished` this much earlier than the audio could have played out belongs
/// to audio that was replaced just before (the engine had queued it already). Pacing
/// catch-up can end real audio up to 200 ms early, hence the margin.
const STALE_FINISH_MARGIN: Duration = Duration::from_millis(250);

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
}

impl StackConfig {
    /// PCMA and PCMU with telephone-event on 101, symmetric latching, media on `rtp_ip`.
    pub fn g711(rtp_ip: IpAddr) -> Self {
        StackConfig {
            rtp_ip,
            codecs: vec![Codec::Pcma, Codec::Pcmu],
            telephone_event_pt: Some(101),
            latching: Latching::Symmetric,
        }
    }
}

/// The SIP endpoint, the media engine and the renderer, as the runner's [`Backend`].
#[derive(Debug, Clone)]
pub struct Stack {
    sip: Arc<SipEndpoint>,
    media: Arc<MediaEngine>,
    renderer: Renderer,
    config: StackConfig,
}

impl Stack {
    /// A backend over running SIP and media stacks.
    pub fn new(
        sip: Arc<SipEndpoint>,
        media: Arc<MediaEngine>,
        renderer: Renderer,
        config: StackConfig,
    ) -> Self {
        Stack {
            sip,
            media,
            renderer,
            config,
        }
    }
}

/// One call's SIP dialog on the shared endpoint, holding its reserved RTP ports until the
/// stream opens (or the call ends, which frees them).
#[derive(Debug)]
pub struct SipDialog {
    sip: Arc<SipEndpoint>,
    key: CallKey,
    events: mpsc::Receiver<SipEvent>,
    ports: Option<LocalPorts>,
    seed: u64,
}

impl Dialog for SipDialog {
    type Media = NegotiatedMedia;

    async fn next_event(&mut self) -> Option<SignalEvent<NegotiatedMedia>> {
        loop {
            let event = self.events.recv().await?;
            let mapped = match event {
                SipEvent::Provisional { code, .. } => SignalEvent::Provisional(code),
                SipEvent::Answered { media, .. } => SignalEvent::Answered(media),
                SipEvent::MediaUpdated { media, .. } => SignalEvent::MediaUpdated(media),
                SipEvent::Failed { reason, .. } => SignalEvent::Failed(dial_failure(reason)),
                SipEvent::Ended { reason, .. } => match reason {
                    EndReason::RemoteBye => SignalEvent::RemoteHangup,
                    EndReason::LocalBye { .. } => SignalEvent::HangupDone,
                    EndReason::Cancelled { code } => SignalEvent::Cancelled(code),
                    // The trunk connection broke: the flow ends the call as it stands.
                    EndReason::TransportError => SignalEvent::Failed(DialFailure::Transport),
                },
                SipEvent::Info {
                    content_type, body, ..
                } => SignalEvent::Info { content_type, body },
                SipEvent::TrunkStatus { .. } => continue,
            };
            return Some(mapped);
        }
    }

    fn cancel(&mut self) {
        if self.sip.cancel(self.key).is_err() {
            debug!("CANCEL not sent: SIP endpoint stopped");
        }
    }

    fn hangup(&mut self) {
        if self.sip.hangup(self.key).is_err() {
            debug!("BYE not sent: SIP endpoint stopped");
        }
    }
}

fn dial_failure(reason: FailReason) -> DialFailure {
    match reason {
        FailReason::Rejected { code, reason } => DialFailure::Response { code, reason },
        FailReason::Timeout => DialFailure::Timeout,
        FailReason::TransportError => DialFailure::Transport,
        FailReason::Tls { reason } => DialFailure::Tls { reason },
        FailReason::NoCommonCodec(NegotiationError::UnusableAddress(e)) => {
            DialFailure::MediaRefused {
                reason: e.to_string(),
            }
        }
        FailReason::NoCommonCodec(_) => DialFailure::NoCommonCodec,
        FailReason::AuthFailed { code } => DialFailure::Response {
            code,
            reason: if code == 407 {
                "Proxy Authentication Required"
            } else {
                "Unauthorized"
            }
            .to_owned(),
        },
        FailReason::NoTrunk => DialFailure::NoRoute,
    }
}

/// One call's RTP stream on the shared engine.
#[derive(Debug)]
pub struct RtpStream {
    handle: StreamHandle,
    events: mpsc::Receiver<StreamEvent>,
    /// When the current audio started and how long it lasts; `None` when nothing plays.
    playing: Option<(Instant, Duration)>,
    /// A command failed (engine stopped); reported as the next event.
    failed: bool,
}

impl MediaStream for RtpStream {
    type Audio = Arc<RenderedAudio>;
    type Media = NegotiatedMedia;

    fn play(&mut self, audio: &Arc<RenderedAudio>) {
        match self.handle.play(Arc::clone(audio)) {
            Ok(()) => self.playing = Some((Instant::now(), audio.duration())),
            Err(error) => {
                debug!(%error, "play failed");
                self.failed = true;
            }
        }
    }

    fn stop_playback(&mut self) {
        self.playing = None;
        if self.handle.stop_playback().is_err() {
            self.failed = true;
        }
    }

    fn update_remote(&mut self, media: NegotiatedMedia) {
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
                StreamEvent::PlaybackFinished => {
                    let Some((started, length)) = self.playing else {
                        // The end of audio that was stopped.
                        continue;
                    };
                    if started.elapsed() + STALE_FINISH_MARGIN < length {
                        debug!("ignoring the end of replaced audio");
                        continue;
                    }
                    self.playing = None;
                    return Some(MediaEvent::PlaybackFinished);
                }
                StreamEvent::Dtmf(press) => return Some(MediaEvent::Dtmf(press)),
                StreamEvent::RemoteLatched(addr) => debug!(%addr, "RTP latched"),
                // SIP's BYE ends the call; an RTCP BYE alone does not.
                StreamEvent::RemoteBye => debug!("RTCP BYE from the far end"),
            }
        }
    }

    async fn close(self) -> MediaFigures {
        let stats = self.handle.close().await;
        MediaFigures {
            packets_sent: stats.sent.packets,
            packets_received: stats.received.packets,
        }
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
            })
        })
        .await
        .map_err(|_| Error::RenderTask)?
    }

    async fn dial(&self, spec: &CallSpec) -> Result<SipDialog, DialFailure> {
        let ports = self.media.reserve().map_err(|error| {
            tracing::warn!(%error, "no RTP ports for the call");
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
            },
            extra_headers: Vec::new(),
        };
        let (key, events) = self.sip.dial(request).await.map_err(|error| {
            tracing::warn!(%error, "INVITE not sent");
            DialFailure::Local
        })?;
        Ok(SipDialog {
            sip: Arc::clone(&self.sip),
            key,
            events,
            ports: Some(ports),
            seed: seed_of(&spec.call_id),
        })
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
        };
        let (handle, events) = self.media.open_stream(config).await?;
        Ok(RtpStream {
            handle,
            events,
            playing: None,
            failed: false,
        })
    }
}
