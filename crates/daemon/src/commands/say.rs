//! `voice-otp say`: renders exactly the audio a call streams for one reading (the intro if
//! given, then the code prompt if given, then the code) to an 8 kHz mono 16-bit WAV.
//!
//! Like a call, `say` plays no prompt that was not asked for: an OTP request without
//! `code-prompt` reads just the code (CM.com clients that speak "your code is" in their
//! intro would otherwise hear it twice).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use voice_otp_media::{
    AudioRoot, CodeType, EspeakNg, Gender, LetterStyle, PromptSource, RenderConfig, Renderer,
    Voice, wav,
};

use super::CommandError;

/// Command-line arguments of `voice-otp say`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The code to read, 1 to 64 characters of [0-9A-Za-z].
    #[arg(long)]
    pub code: String,
    /// Language (locale) of the spelling set and the voice.
    #[arg(long, default_value = "en-GB")]
    pub lang: String,
    /// How characters are spoken: Default (shipped audio), TTS or Custom (--audio-dir).
    #[arg(long = "code-type", default_value = "Default", value_parser = parse_code_type)]
    pub code_type: CodeType,
    /// Text spoken (TTS) before the reading, as a call's intro prompt.
    #[arg(long)]
    pub intro: Option<String>,
    /// Code prompt spoken by TTS before the code (like `code-prompt-type: TTS`).
    #[arg(long = "code-prompt", conflicts_with = "code_prompt_file")]
    pub code_prompt: Option<String>,
    /// Code prompt from the audio store before the code (like `code-prompt-type: File`),
    /// e.g. the shipped `/prompts/en-GB/code.wav`.
    #[arg(long = "code-prompt-file")]
    pub code_prompt_file: Option<String>,
    /// The user's audio store (holds spelling/<lang>/<char>.wav for Custom).
    #[arg(long = "audio-dir")]
    pub audio_dir: Option<PathBuf>,
    /// The shipped default audio (spelling sets and prompts).
    #[arg(long, default_value = "./audio")]
    pub defaults: PathBuf,
    /// The recorded (human) spelling sets, used before the shipped ones where they cover
    /// the language, as the daemon's `[audio] recorded`.
    #[arg(long, default_value = "./data/voices")]
    pub recorded: PathBuf,
    /// How letters are read: name ("N") or phonetic ("N, November": the language's
    /// spelling alphabet), as the request's `letter-style`. Without it, as the spelling
    /// set reads best: phonetic for a recorded set, by name for a synthesised one (the
    /// daemon's default, `[audio] letter-style = "by-voice"`).
    #[arg(long = "letter-style", value_parser = parse_letter_style)]
    pub letter_style: Option<LetterStyle>,
    /// Gender of the voice: picks a spelling set of that gender where one exists.
    #[arg(long, default_value = "Female", value_parser = super::audio::parse_gender)]
    pub gender: Gender,
    /// Silence between two characters, in ms (0-2000), as `[audio] char-gap`.
    #[arg(long = "char-gap", default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=2000))]
    pub char_gap: u64,
    /// Silence after each group of 3 in codes of 6+ characters, in ms (0-5000), as
    /// `[audio] group-gap`.
    #[arg(long = "group-gap", default_value_t = 800, value_parser = clap::value_parser!(u64).range(0..=5000))]
    pub group_gap: u64,
    /// Read the last group once more after the code, as `[audio] repeat-last-group`.
    #[arg(long = "repeat-last-group")]
    pub repeat_last_group: bool,
    /// Where to write the WAV.
    #[arg(long)]
    pub out: PathBuf,
}

/// Accepts the API's names in any letter case and the integers CM.com's SDK sends.
fn parse_code_type(s: &str) -> Result<CodeType, String> {
    match s.to_ascii_lowercase().as_str() {
        "default" | "0" => Ok(CodeType::Default),
        "tts" | "1" => Ok(CodeType::Tts),
        "custom" | "2" => Ok(CodeType::Custom),
        _ => Err("expected Default, TTS or Custom".to_owned()),
    }
}

fn parse_letter_style(s: &str) -> Result<LetterStyle, String> {
    LetterStyle::parse(s).ok_or_else(|| "expected name or phonetic".to_owned())
}

/// Runs `voice-otp say`.
pub fn run(args: Args) -> Result<(), CommandError> {
    if args.code.len() > 64 {
        return Err("code is longer than 64 characters".into());
    }
    let root = AudioRoot::new(args.audio_dir, args.defaults).with_recorded(Some(args.recorded));
    let config = RenderConfig {
        char_gap: Duration::from_millis(args.char_gap),
        group_gap: Duration::from_millis(args.group_gap),
        repeat_last_group: args.repeat_last_group,
        ..RenderConfig::default()
    };
    let renderer = Renderer::new(root, Arc::new(EspeakNg::new()), config);
    let voice = Voice {
        language: args.lang,
        gender: args.gender,
        letter_style: args.letter_style,
        ..Voice::default()
    };
    // Validate everything before synthesising anything, as the API does.
    renderer.validate_code(&args.code, args.code_type, &voice)?;
    let intro = args.intro.map(PromptSource::Tts);
    let code_prompt = match (args.code_prompt, args.code_prompt_file) {
        (Some(text), _) => Some(PromptSource::Tts(text)),
        (None, Some(path)) => Some(PromptSource::File(path)),
        (None, None) => None,
    };
    for prompt in intro.iter().chain(code_prompt.iter()) {
        renderer.validate_prompt(prompt, &voice)?;
    }
    let mut samples = Vec::new();
    if let Some(intro) = &intro {
        samples.extend_from_slice(renderer.render_prompt(intro, &voice)?.samples());
        let gap = renderer.config().prompt_gap;
        let gap_samples =
            (gap.as_millis() as usize) * (voice_otp_media::SAMPLE_RATE as usize) / 1000;
        samples.resize(samples.len() + gap_samples, 0);
    }
    let reading = match &code_prompt {
        Some(prompt) => {
            renderer.render_reading(Some(prompt), &args.code, args.code_type, &voice)?
        }
        None => renderer.render_code(&args.code, args.code_type, &voice)?,
    };
    samples.extend_from_slice(reading.samples());
    wav::write_wav_file(&args.out, &samples)?;
    Ok(())
}
