//! The caller's side of one running stream: commands to its pacer worker.

use std::sync::{Arc, mpsc as std_mpsc};
use std::time::Instant;

use tokio::sync::oneshot;
use zeroize::Zeroizing;

use crate::engine::Command;
use crate::error::RtpError;
use crate::ports::PortPair;
use crate::source::{FrameSource, RenderedSource};
use crate::srtp::{SRTP_MASTER_LEN, SrtpInbound, SrtpSuite};
use crate::stream::StreamStats;
use crate::types::{Codec, PlayId};

/// Control of one running stream. Dropping it ends the stream (as `close` without the
/// figures).
#[derive(Debug)]
pub struct StreamHandle {
    id: u64,
    codec: Codec,
    /// When the stream opened: the zero of its receiver's timeline.
    epoch: Instant,
    worker: std_mpsc::Sender<Command>,
    /// Not closed yet (dropping it then closes it).
    open: bool,
    ports: Option<PortPair>,
    /// The far end's SRTP suite and master key in use (SRTP streams), so that a re-INVITE
    /// that repeats it leaves the contexts (and their replay windows) alone.
    remote_key: Option<(SrtpSuite, Zeroizing<[u8; SRTP_MASTER_LEN]>)>,
}

impl StreamHandle {
    pub(crate) fn new(
        id: u64,
        codec: Codec,
        epoch: Instant,
        worker: std_mpsc::Sender<Command>,
        ports: PortPair,
        remote_key: Option<(SrtpSuite, Zeroizing<[u8; SRTP_MASTER_LEN]>)>,
    ) -> StreamHandle {
        StreamHandle {
            id,
            codec,
            epoch,
            worker,
            open: true,
            ports: Some(ports),
            remote_key,
        }
    }

    /// Plays a rendered prompt from the next packet on, replacing what is playing; a
    /// [`StreamEvent::PlaybackFinished`](crate::StreamEvent::PlaybackFinished) carrying
    /// `id` follows its last frame.
    pub fn play(
        &self,
        id: PlayId,
        audio: Arc<voice_otp_media::RenderedAudio>,
    ) -> Result<(), RtpError> {
        self.play_source(id, Box::new(RenderedSource::new(audio, self.codec)?))
    }

    /// Plays any frame source (in the stream's codec), replacing what is playing.
    pub fn play_source(&self, id: PlayId, source: Box<dyn FrameSource>) -> Result<(), RtpError> {
        self.worker
            .send(Command::Play(self.id, id, source))
            .map_err(|_| RtpError::EngineStopped)
    }

    /// Takes the far end's new SRTP master key and salt (30 bytes, for `suite`) for what it
    /// sends, RTP and RTCP, after a re-INVITE changed it (RFC 4568 section 7.1.4): packets
    /// under the old key are dropped from then on. `Ok(false)` when nothing changed (the
    /// same suite and key, or a plain stream, which stays plain). The caller zeroizes its
    /// copy.
    pub fn rekey_inbound(&mut self, suite: SrtpSuite, remote: &[u8]) -> Result<bool, RtpError> {
        let Some((current_suite, current)) = self.remote_key.as_mut() else {
            return Ok(false);
        };
        if *current_suite == suite && current[..] == *remote {
            return Ok(false);
        }
        let keys = [
            SrtpInbound::new(suite, remote)?,
            SrtpInbound::new(suite, remote)?,
        ];
        self.worker
            .send(Command::Rekey(self.id, Box::new(keys)))
            .map_err(|_| RtpError::EngineStopped)?;
        *current_suite = suite;
        current.copy_from_slice(remote);
        Ok(true)
    }

    /// Stops playback; silence follows.
    pub fn stop_playback(&self) -> Result<(), RtpError> {
        self.worker
            .send(Command::Stop(self.id))
            .map_err(|_| RtpError::EngineStopped)
    }

    /// When the stream opened: the zero its [`StreamEvent::Dtmf`](crate::StreamEvent::Dtmf)
    /// key-press starts count from, so a caller can place presses from elsewhere (SIP INFO)
    /// on the same timeline.
    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    /// The local RTP port.
    pub fn local_rtp_port(&self) -> Option<u16> {
        self.ports.as_ref().map(PortPair::rtp)
    }

    /// Ends the stream: sends SR + BYE, stops receiving, frees the ports, returns figures.
    pub async fn close(mut self) -> StreamStats {
        let (tx, rx) = oneshot::channel();
        self.open = false;
        let mut stats = StreamStats::default();
        if self.worker.send(Command::Close(self.id, tx)).is_ok()
            && let Ok(closed) = rx.await
        {
            stats = closed;
        }
        self.ports.take();
        stats
    }
}

impl Drop for StreamHandle {
    fn drop(&mut self) {
        if self.open {
            let (tx, _rx) = oneshot::channel();
            let _ = self.worker.send(Command::Close(self.id, tx));
        }
    }
}
