//! An in-process far end for the runner: a scripted peer behind the `Backend` traits,
//! timed by tokio's paused clock, so runner tests run minutes of call in virtual time.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use voice_otp_call::runner::{Backend, Dialog, MediaEvent, MediaStream, Rendered, SignalEvent};
use voice_otp_call::{CallSettings, CallSpec, DialFailure, PlayId};
use voice_otp_dtmf::{Digit, DtmfEvent, DtmfSource};

/// A rendered segment: a name and how long it plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FakeAudio {
    pub(crate) name: &'static str,
    pub(crate) len: Duration,
}

/// The "negotiated media" of the fake: just a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FakeMedia(pub(crate) &'static str);

/// What the far end does after the INVITE.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    /// 180 after 100 ms, 200 after this long.
    After(Duration),
    /// 180 after 100 ms, then this final failure after this long.
    Fail(Duration, DialFailure),
    /// 180 after 100 ms and never anything else (CANCEL gets 487 after 10 ms).
    Never,
}

/// Something the far end does after answering, at an offset from the answer.
#[derive(Debug, Clone)]
pub(crate) enum Act {
    /// Press a key, sent as RFC 4733 in the stream (held 100 ms).
    Rfc4733(char),
    /// Press a key, sent as SIP INFO (`application/dtmf-relay`).
    Info(char),
    /// Press a key both ways, as some trunks do.
    Both(char),
    /// Send BYE.
    Bye,
    /// Make the media stream fail.
    MediaFails,
}

#[derive(Clone)]
pub(crate) struct Script {
    pub(crate) answer: Answer,
    pub(crate) acts: Vec<(Duration, Act)>,
    pub(crate) fail_render: bool,
    pub(crate) fail_dial: Option<DialFailure>,
    pub(crate) fail_stream: bool,
    /// Report the end of audio that was stopped or replaced anyway, late, as the RTP
    /// engine does when it had queued the end before the new command arrived.
    pub(crate) stale_finish: bool,
    /// How long our BYE takes to complete (None: never answered).
    pub(crate) bye_delay: Option<Duration>,
    /// How long the call waits for trunk budget before it may dial (`Backend::wait_ready`;
    /// logged as "waiting" when not zero).
    pub(crate) ready_after: Duration,
}

impl Script {
    pub(crate) fn answer_after(d: Duration) -> Self {
        Script {
            answer: Answer::After(d),
            acts: Vec::new(),
            fail_render: false,
            fail_dial: None,
            fail_stream: false,
            stale_finish: false,
            bye_delay: Some(Duration::from_millis(20)),
            ready_after: Duration::ZERO,
        }
    }

    pub(crate) fn with(mut self, at: Duration, act: Act) -> Self {
        self.acts.push((at, act));
        self
    }
}

/// Every command the runner gave, with its offset from the first `dial`.
#[derive(Default)]
pub(crate) struct Log {
    start: Option<Instant>,
    pub(crate) entries: Vec<(u64, String)>,
}

impl Log {
    fn push(&mut self, what: String) {
        let start = *self.start.get_or_insert_with(Instant::now);
        let t = (Instant::now() - start).as_millis() as u64;
        self.entries.push((t, what));
    }
}

pub(crate) struct FakeBackend {
    pub(crate) script: Script,
    pub(crate) log: Arc<Mutex<Log>>,
}

impl FakeBackend {
    pub(crate) fn new(script: Script) -> (Self, Arc<Mutex<Log>>) {
        let log = Arc::new(Mutex::new(Log::default()));
        (
            FakeBackend {
                script,
                log: Arc::clone(&log),
            },
            log,
        )
    }
}

#[derive(Debug, thiserror::Error)]
#[error("fake backend failure")]
pub(crate) struct FakeError;

/// Lengths the fake "renders": what the flow tests use too.
fn audio(name: &'static str, ms: u64) -> FakeAudio {
    FakeAudio {
        name,
        len: Duration::from_millis(ms),
    }
}

enum Cmd {
    Cancel,
    Hangup,
}

pub(crate) struct FakeDialog {
    events: mpsc::UnboundedReceiver<SignalEvent<FakeMedia>>,
    commands: mpsc::UnboundedSender<Cmd>,
    /// Key presses and failures for the stream once it opens.
    to_stream: Option<mpsc::UnboundedReceiver<MediaEvent>>,
    log: Arc<Mutex<Log>>,
}

impl Dialog for FakeDialog {
    type Media = FakeMedia;

    async fn next_event(&mut self) -> Option<SignalEvent<FakeMedia>> {
        self.events.recv().await
    }

    fn cancel(&mut self) {
        self.log.lock().unwrap().push("cancel".into());
        let _ = self.commands.send(Cmd::Cancel);
    }

    fn hangup(&mut self) {
        self.log.lock().unwrap().push("bye".into());
        let _ = self.commands.send(Cmd::Hangup);
    }
}

pub(crate) struct FakeStream {
    playing: Option<(PlayId, Instant)>,
    /// Ends of stopped or replaced audio still to report (with `stale_finish`).
    stale: Vec<PlayId>,
    stale_finish: bool,
    epoch: Instant,
    from_peer: mpsc::UnboundedReceiver<MediaEvent>,
    log: Arc<Mutex<Log>>,
}

impl MediaStream for FakeStream {
    type Audio = FakeAudio;
    type Media = FakeMedia;

    fn play(&mut self, id: PlayId, audio: &FakeAudio) {
        self.log
            .lock()
            .unwrap()
            .push(format!("play {}", audio.name));
        self.drop_playing();
        self.playing = Some((id, Instant::now() + audio.len));
    }

    fn stop_playback(&mut self) {
        self.log.lock().unwrap().push("stop".into());
        self.drop_playing();
    }

    fn epoch(&self) -> std::time::Instant {
        self.epoch.into_std()
    }

    fn update_remote(&mut self, media: FakeMedia) {
        self.log.lock().unwrap().push(format!("remote {}", media.0));
    }

    async fn next_event(&mut self) -> Option<MediaEvent> {
        if let Some(id) = self.stale.pop() {
            return Some(MediaEvent::PlaybackFinished(id));
        }
        let ends = self.playing.as_ref().map(|(_, end)| *end);
        tokio::select! {
            () = async {
                match ends {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {
                self.playing.take().map(|(id, _)| MediaEvent::PlaybackFinished(id))
            }
            ev = self.from_peer.recv() => ev,
        }
    }

    async fn close(self) {
        self.log.lock().unwrap().push("close".into());
    }
}

impl FakeStream {
    /// Stops the current audio; with `stale_finish` its end is still reported.
    fn drop_playing(&mut self) {
        if let Some((id, _)) = self.playing.take()
            && self.stale_finish
        {
            self.stale.push(id);
        }
    }
}

fn press(digit: char, start: Duration) -> DtmfEvent {
    DtmfEvent {
        digit: Digit::from_char(digit).unwrap(),
        start,
        duration: Duration::from_millis(100),
        source: DtmfSource::Rfc4733,
    }
}

impl Backend for FakeBackend {
    type Audio = FakeAudio;
    type Dialog = FakeDialog;
    type Stream = FakeStream;
    type Error = FakeError;

    async fn render(&self, spec: &CallSpec) -> Result<Rendered<FakeAudio>, FakeError> {
        if self.script.fail_render {
            return Err(FakeError);
        }
        Ok(Rendered {
            intro: spec.intro.as_ref().map(|_| audio("intro", 2_000)),
            code_prompt: spec
                .code_prompt
                .as_ref()
                .map(|_| audio("code-prompt", 1_000)),
            code: spec.code.as_ref().map(|_| audio("code", 3_000)),
            replay_prompt: spec
                .replay_prompt
                .as_ref()
                .map(|_| audio("replay-prompt", 2_000)),
            outro: spec.outro.as_ref().map(|_| audio("outro", 1_000)),
            invalid_prompt: spec
                .invalid_prompt
                .as_ref()
                .map(|_| audio("invalid-prompt", 1_500)),
            keypress_prompt: spec.keypress.map(|_| audio("keypress-prompt", 2_000)),
        })
    }

    async fn wait_ready(&self, _spec: &CallSpec) {
        if !self.script.ready_after.is_zero() {
            self.log.lock().unwrap().push("waiting".into());
            tokio::time::sleep(self.script.ready_after).await;
        }
    }

    async fn dial(&self, _spec: &CallSpec) -> Result<FakeDialog, DialFailure> {
        self.log.lock().unwrap().push("invite".into());
        if let Some(f) = self.script.fail_dial.clone() {
            return Err(f);
        }
        let (ev_tx, ev_rx) = mpsc::unbounded_channel();
        let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel();
        let (media_tx, media_rx) = mpsc::unbounded_channel();
        let script = self.script.clone();
        // The far end, as a task on the same (paused) clock.
        tokio::spawn(async move {
            let t0 = Instant::now();
            tokio::time::sleep(Duration::from_millis(100)).await;
            let _ = ev_tx.send(SignalEvent::Provisional(180));
            let answer_at = match &script.answer {
                Answer::After(d) => Some(t0 + *d),
                Answer::Fail(d, f) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(t0 + *d) => {
                            let _ = ev_tx.send(SignalEvent::Failed(f.clone()));
                            return;
                        }
                        cmd = cmd_rx.recv() => if let Some(Cmd::Cancel) = cmd {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            let _ = ev_tx.send(SignalEvent::Cancelled(Some(487)));
                            return;
                        }
                    }
                    None
                }
                Answer::Never => None,
            };
            let Some(answer_at) = answer_at else {
                // Ring until cancelled.
                while let Some(cmd) = cmd_rx.recv().await {
                    if let Cmd::Cancel = cmd {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        let _ = ev_tx.send(SignalEvent::Cancelled(Some(487)));
                        return;
                    }
                }
                return;
            };
            tokio::select! {
                () = tokio::time::sleep_until(answer_at) => {}
                cmd = cmd_rx.recv() => {
                    if let Some(Cmd::Cancel) = cmd {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        let _ = ev_tx.send(SignalEvent::Cancelled(Some(487)));
                    }
                    return;
                }
            }
            let _ = ev_tx.send(SignalEvent::Answered(FakeMedia("pcma")));
            let mut acts = script.acts.clone();
            acts.sort_by_key(|(at, _)| *at);
            let mut acts = acts.into_iter();
            let mut next = acts.next();
            loop {
                let due = next.as_ref().map(|(at, _)| answer_at + *at);
                tokio::select! {
                    () = async {
                        match due {
                            Some(at) => tokio::time::sleep_until(at).await,
                            None => std::future::pending().await,
                        }
                    } => {
                        let (at, act) = next.take().unwrap();
                        // The press starts 100 ms before it is reported (at its end).
                        let start = at.saturating_sub(Duration::from_millis(100));
                        match act {
                            Act::Rfc4733(d) => {
                                let _ = media_tx.send(MediaEvent::Dtmf(press(d, start)));
                            }
                            Act::Info(d) => {
                                let _ = ev_tx.send(info(d));
                            }
                            Act::Both(d) => {
                                let _ = media_tx.send(MediaEvent::Dtmf(press(d, start)));
                                let _ = ev_tx.send(info(d));
                            }
                            Act::Bye => {
                                let _ = ev_tx.send(SignalEvent::RemoteHangup);
                                // Hold the media channel open until the runner drops
                                // the dialog, as a real stream outlives the BYE.
                                while cmd_rx.recv().await.is_some() {}
                                return;
                            }
                            Act::MediaFails => {
                                let _ = media_tx.send(MediaEvent::Failed);
                            }
                        }
                        next = acts.next();
                    }
                    cmd = cmd_rx.recv() => {
                        if let Some(Cmd::Hangup) = cmd
                            && let Some(delay) = script.bye_delay
                        {
                            tokio::time::sleep(delay).await;
                            let _ = ev_tx.send(SignalEvent::HangupDone);
                        }
                        if cmd.is_none() || script.bye_delay.is_some() {
                            return;
                        }
                    }
                }
            }
        });
        Ok(FakeDialog {
            events: ev_rx,
            commands: cmd_tx,
            to_stream: Some(media_rx),
            log: Arc::clone(&self.log),
        })
    }

    async fn open_stream(
        &self,
        dialog: &mut FakeDialog,
        media: FakeMedia,
    ) -> Result<FakeStream, FakeError> {
        self.log.lock().unwrap().push(format!("open {}", media.0));
        if self.script.fail_stream {
            return Err(FakeError);
        }
        Ok(FakeStream {
            playing: None,
            stale: Vec::new(),
            stale_finish: self.script.stale_finish,
            epoch: Instant::now(),
            from_peer: dialog.to_stream.take().ok_or(FakeError)?,
            log: Arc::clone(&self.log),
        })
    }
}

fn info(digit: char) -> SignalEvent<FakeMedia> {
    SignalEvent::Info {
        content_type: "application/dtmf-relay".to_owned(),
        body: bytes::Bytes::from(format!("Signal={digit}\r\nDuration=100\r\n")),
    }
}

/// An OTP spec with every prompt, one replay, a 5 s wait and a 60 s ring timeout.
pub(crate) fn otp_spec() -> CallSpec {
    use voice_otp_call::{CallKind, OtpCode};
    use voice_otp_media::{CodeType, PromptSource, Voice};
    CallSpec {
        call_id: "3f1c6a52-0000-4000-8000-000000000001".to_owned(),
        instruction_id: Some("runner-test".to_owned()),
        kind: CallKind::Otp,
        callee: "+447700900123".to_owned(),
        caller: "+31201234567".to_owned(),
        anonymous: false,
        ring_timeout: Duration::from_secs(60),
        intro: Some(PromptSource::Tts("Hello".to_owned())),
        code_prompt: Some(PromptSource::Tts("Your code is".to_owned())),
        replay_prompt: Some(PromptSource::Tts("Press 1 to hear it again".to_owned())),
        outro: Some(PromptSource::Tts("Goodbye".to_owned())),
        code: Some(OtpCode::new("482913")),
        code_type: CodeType::Default,
        collect: None,
        invalid_prompt: None,
        keypress: None,
        voice: Voice::default(),
        max_replays: 1,
        auto_replay: false,
        // No pause between segments, so timings in the runner tests are the segment
        // lengths alone.
        settings: CallSettings {
            replay_wait: Duration::from_secs(5),
            prompt_gap: Duration::ZERO,
            ..CallSettings::default()
        },
    }
}

/// Collects every live state the runner reports.
pub(crate) fn progress_log() -> (
    voice_otp_call::ProgressFn,
    Arc<Mutex<Vec<voice_otp_call::LiveState>>>,
) {
    let states = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&states);
    (Box::new(move |s| sink.lock().unwrap().push(s)), states)
}
