//! Audio for voice-otp (work in progress).

mod voice;

pub use voice::{CodeType, Gender, PromptSource, Voice};
