//! What the runner needs from SIP, RTP and the renderer, as traits.
//!
//! The runner is protocol glue: it turns signalling and media events into `CallFlow`
//! inputs and the flow's actions into commands. Keeping the three dependencies behind
//! these traits lets the same loop run over the real SIP endpoint and RTP engine
//! ([`super::Stack`]) and, in tests, over in-process peers driven by tokio's paused clock.

use std::future::Future;
use std::time::Instant;

use bytes::Bytes;
use voice_otp_dtmf::DtmfEvent;

use crate::flow::{DialFailure, PlayId, Segment};
use crate::spec::CallSpec;

/// The audio of every segment of one call, rendered before dialling.
#[derive(Debug, Clone)]
pub struct Rendered<A> {
    /// Played once on answer.
    pub intro: Option<A>,
    /// Before each reading (the Notification prompt).
    pub code_prompt: Option<A>,
    /// The code, character by character.
    pub code: Option<A>,
    /// After a reading while replays remain.
    pub replay_prompt: Option<A>,
    /// Once before hanging up.
    pub outro: Option<A>,
    /// Request DTMF: after an attempt whose entry was not valid.
    pub invalid_prompt: Option<A>,
    /// `require-keypress`: "press N to hear your code".
    pub keypress_prompt: Option<A>,
}

impl<A> Rendered<A> {
    /// The audio of `segment`, if the call has it.
    pub fn get(&self, segment: Segment) -> Option<&A> {
        match segment {
            Segment::Intro => self.intro.as_ref(),
            Segment::CodePrompt => self.code_prompt.as_ref(),
            Segment::Code => self.code.as_ref(),
            Segment::ReplayPrompt => self.replay_prompt.as_ref(),
            Segment::Outro => self.outro.as_ref(),
            Segment::InvalidPrompt => self.invalid_prompt.as_ref(),
            Segment::KeypressPrompt => self.keypress_prompt.as_ref(),
        }
    }
}

/// What the signalling side reports about one call.
#[derive(Debug, Clone, PartialEq)]
pub enum SignalEvent<M> {
    /// A provisional response (180, 183, ...).
    Provisional(u16),
    /// The call was answered; where and how to send media.
    Answered(M),
    /// The far end moved the media (re-INVITE, UPDATE).
    MediaUpdated(M),
    /// The INVITE failed.
    Failed(DialFailure),
    /// The far end sent BYE.
    RemoteHangup,
    /// Our BYE completed (any final response, or its timeout).
    HangupDone,
    /// Our CANCEL completed with the INVITE's final status.
    Cancelled(Option<u16>),
    /// An in-dialog INFO (possibly a key press).
    Info {
        /// Its Content-Type.
        content_type: String,
        /// Its body.
        body: Bytes,
    },
}

/// What a media stream reports.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaEvent {
    /// The audio started by `play` with this id has been sent to its end. The flow
    /// ignores the end of any other id, so a late report of replaced audio is harmless.
    PlaybackFinished(PlayId),
    /// A key press heard in the stream (RFC 4733 or in-band, each reported as its source
    /// saw it: the runner merges them with SIP INFO), timed from [`MediaStream::epoch`].
    Dtmf(DtmfEvent),
    /// The stream failed (socket error); no more events follow.
    Failed,
}

/// One outbound call's signalling, as seen by the runner.
pub trait Dialog: Send + 'static {
    /// The negotiated media an answer carries (remote address, codec, payload types).
    type Media: Send + 'static;

    /// The next event of this call, `None` once the signalling side is gone.
    fn next_event(&mut self) -> impl Future<Output = Option<SignalEvent<Self::Media>>> + Send;

    /// Cancels the ringing INVITE; completion comes as [`SignalEvent::Cancelled`] (or
    /// [`SignalEvent::Failed`] when a final response crossed the CANCEL).
    fn cancel(&mut self);

    /// Ends the answered call with BYE; completion comes as [`SignalEvent::HangupDone`].
    fn hangup(&mut self);
}

/// One call's RTP stream, as seen by the runner.
pub trait MediaStream: Send + 'static {
    /// Rendered audio, shared between calls.
    type Audio: Send + Sync + 'static;
    /// The negotiated media (the same type as the dialog's).
    type Media: Send + 'static;

    /// Starts sending `audio` in place of whatever plays (silence between plays); its end
    /// is reported as [`MediaEvent::PlaybackFinished`] with `id`.
    fn play(&mut self, id: PlayId, audio: &Self::Audio);

    /// Stops the audio at once; silence keeps flowing.
    fn stop_playback(&mut self);

    /// Follows a media change of the far end.
    fn update_remote(&mut self, media: Self::Media);

    /// The zero of the stream's key-press timeline: the `start` of every
    /// [`MediaEvent::Dtmf`] counts from it, and the runner places SIP INFO presses on it.
    fn epoch(&self) -> Instant;

    /// The next event of the stream, `None` once it is gone.
    fn next_event(&mut self) -> impl Future<Output = Option<MediaEvent>> + Send;

    /// Stops sending and releases the stream's sockets and ports. (Its packet counts are
    /// read from the media engine by whoever reports them, live streams included.)
    fn close(self) -> impl Future<Output = ()> + Send;
}

/// Renders, dials and streams for the runner.
pub trait Backend: Send + Sync + 'static {
    /// Rendered audio.
    type Audio: Send + Sync + 'static;
    /// One call's signalling.
    type Dialog: Dialog;
    /// One call's media stream.
    type Stream: MediaStream<Audio = Self::Audio, Media = <Self::Dialog as Dialog>::Media>;
    /// Why rendering or opening a stream failed (logged, never shown to the client).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Renders every segment `spec` has.
    fn render(
        &self,
        spec: &CallSpec,
    ) -> impl Future<Output = Result<Rendered<Self::Audio>, Self::Error>> + Send;

    /// Waits until `spec` may be dialled: a trunk has call budget for it. The call stays
    /// queued meanwhile, before its ring time starts; the runner stops waiting on
    /// shutdown. Default: at once.
    fn wait_ready(&self, spec: &CallSpec) -> impl Future<Output = ()> + Send {
        let _ = spec;
        std::future::ready(())
    }

    /// Sends the INVITE for `spec`. An error means nothing reached the wire.
    fn dial(
        &self,
        spec: &CallSpec,
    ) -> impl Future<Output = Result<Self::Dialog, DialFailure>> + Send;

    /// Opens the media stream of an answered dialog.
    fn open_stream(
        &self,
        dialog: &mut Self::Dialog,
        media: <Self::Dialog as Dialog>::Media,
    ) -> impl Future<Output = Result<Self::Stream, Self::Error>> + Send;
}
