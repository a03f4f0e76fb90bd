//! `voice-otp dtmf FILE.wav`: runs the in-band DTMF detector on a recording.
//!
//! Prints one line per key press, `<start_ms>\t<digit>`, and nothing else on
//! stdout. Any WAV the media crate reads is accepted; it is converted to
//! 8 kHz mono first.

use std::io::Write;
use std::path::PathBuf;

use voice_otp_dtmf::InbandDetector;

use super::CommandError;

/// Command-line arguments of `voice-otp dtmf`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The WAV file to scan for DTMF tones.
    pub file: PathBuf,
}

/// Runs `voice-otp dtmf`.
pub fn run(args: Args) -> Result<(), CommandError> {
    let samples = voice_otp_media::wav::read_wav_file(&args.file)?;
    let mut detector = InbandDetector::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // Frames as a call would deliver them, draining events as they come.
    for frame in samples.chunks(voice_otp_media::FRAME_SAMPLES) {
        detector.process(frame);
        while let Some(ev) = detector.poll_event() {
            writeln!(out, "{}\t{}", ev.start.as_millis(), ev.digit)?;
        }
    }
    detector.flush();
    while let Some(ev) = detector.poll_event() {
        writeln!(out, "{}\t{}", ev.start.as_millis(), ev.digit)?;
    }
    out.flush()?;
    Ok(())
}
