//! What a request says about how something should sound: the voice, the code type and
//! where a prompt comes from. These types are shared by the daemon (validation), the call
//! crate (the call specification) and the renderer.

use crate::LetterStyle;

/// Gender of a TTS voice (`Male` = 0 / `Female` = 1 in the API).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum Gender {
    /// A male voice.
    Male,
    /// A female voice (the API default).
    #[default]
    Female,
}

/// The `voice` object of a request: which TTS voice speaks and how loud.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Voice {
    /// Locale such as `en-GB`; also selects the spelling set of the `Default` code type.
    pub language: String,
    /// Gender of the TTS voice.
    pub gender: Gender,
    /// Picks among the voices of that language and gender, starting at 1.
    pub number: u8,
    /// Gain steps from -4 to 4; 0 leaves the level as rendered.
    pub volume: i8,
    /// How the letters of a Default code are spoken (`letter-style`, a voice-otp
    /// extension); `None` reads them as the spelling set reads best (see
    /// [`crate::AudioRoot::spelling_files`]).
    #[serde(default)]
    pub letter_style: Option<LetterStyle>,
}

impl Default for Voice {
    fn default() -> Self {
        Voice {
            language: "en-GB".to_owned(),
            gender: Gender::Female,
            number: 1,
            volume: 0,
            letter_style: None,
        }
    }
}

/// How the characters of a code are spoken (`code-type` in the API).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum CodeType {
    /// The shipped spelling audio, `spelling/<language>/<char>.wav` under the defaults.
    #[default]
    Default,
    /// Each character spoken by the TTS voice.
    Tts,
    /// The user's files under `/spelling/<language>/` in the audio store; no fallback.
    Custom,
}

/// Where a prompt's audio comes from (`*-prompt` plus `*-prompt-type` in the API).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PromptSource {
    /// A path in the audio store, such as `/prompts/welcome.wav`.
    File(String),
    /// Plain text spoken by the TTS voice.
    Tts(String),
    /// SSML spoken by the TTS voice.
    Ssml(String),
}
