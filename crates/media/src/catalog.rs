//! Where audio files live: the user's audio store laid over the shipped defaults.
//!
//! Paths in requests are *store paths* such as `/prompts/welcome.wav`: absolute, `/`
//! separated, relative to the store. They are resolved against the user's directory first
//! and the shipped `audio/` directory second. Error messages name store paths, never the
//! directories on this machine.

use std::path::{Component, Path, PathBuf};

use crate::MediaError;

/// The language whose shipped spelling set is used when nothing closer exists.
pub const FALLBACK_LANGUAGE: &str = "en-GB";

/// The default prompts shipped for every language (`prompts/<lang>/<kind>.wav`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DefaultPrompt {
    /// "Hello, this is your verification call."
    Intro,
    /// "Your code is"
    Code,
    /// "Press 1 to hear the code again."
    Replay,
    /// "Goodbye."
    Outro,
}

impl DefaultPrompt {
    /// The file stem, e.g. `code`.
    pub fn stem(self) -> &'static str {
        match self {
            DefaultPrompt::Intro => "intro",
            DefaultPrompt::Code => "code",
            DefaultPrompt::Replay => "replay",
            DefaultPrompt::Outro => "outro",
        }
    }
}

/// The audio store of the user (uploaded files) over the shipped defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioRoot {
    user: Option<PathBuf>,
    defaults: PathBuf,
}

impl AudioRoot {
    /// An audio root with an optional user store above the shipped defaults directory.
    pub fn new(user: Option<PathBuf>, defaults: PathBuf) -> Self {
        AudioRoot { user, defaults }
    }

    /// The user's store directory, if any.
    pub fn user_dir(&self) -> Option<&Path> {
        self.user.as_deref()
    }

    /// The shipped defaults directory.
    pub fn defaults_dir(&self) -> &Path {
        &self.defaults
    }

    /// Resolves a store path (`/prompts/welcome.wav`) to a file: the user's store first,
    /// then the defaults. For request validation of `File` prompts.
    pub fn resolve(&self, store_path: &str) -> Result<PathBuf, MediaError> {
        let rel = relative_store_path(store_path)?;
        self.user
            .iter()
            .chain(std::iter::once(&self.defaults))
            .map(|dir| dir.join(&rel))
            .find(|p| p.is_file())
            .ok_or_else(|| MediaError::PromptNotFound(store_path.to_owned()))
    }

    /// Checks that a `File` prompt exists (same rules as [`AudioRoot::resolve`]).
    pub fn check_prompt(&self, store_path: &str) -> Result<(), MediaError> {
        self.resolve(store_path).map(drop)
    }

    /// The shipped default prompt of `kind` for `language`, with the language fallback of
    /// [`AudioRoot::spelling_language`].
    pub fn default_prompt(
        &self,
        language: &str,
        kind: DefaultPrompt,
    ) -> Result<PathBuf, MediaError> {
        let lang = self.shipped_language(language, "prompts");
        let p = self
            .defaults
            .join("prompts")
            .join(&lang)
            .join(format!("{}.wav", kind.stem()));
        if p.is_file() {
            Ok(p)
        } else {
            Err(MediaError::PromptNotFound(format!(
                "/prompts/{lang}/{}.wav",
                kind.stem()
            )))
        }
    }

    /// The shipped spelling language used for `language`: the exact tag (any letter case),
    /// then its primary subtag (`en`), then another region of it (`en-AU` -> `en-GB`), then
    /// [`FALLBACK_LANGUAGE`].
    pub fn spelling_language(&self, language: &str) -> String {
        self.shipped_language(language, "spelling")
    }

    fn shipped_language(&self, language: &str, area: &str) -> String {
        let dirs = list_dirs(&self.defaults.join(area));
        if let Some(d) = dirs.iter().find(|d| d.eq_ignore_ascii_case(language)) {
            return d.clone();
        }
        let primary = language.split(['-', '_']).next().unwrap_or(language);
        if let Some(d) = dirs.iter().find(|d| d.eq_ignore_ascii_case(primary)) {
            return d.clone();
        }
        let prefix = format!("{}-", primary.to_ascii_lowercase());
        if let Some(d) = dirs
            .iter()
            .find(|d| d.to_ascii_lowercase().starts_with(&prefix))
        {
            return d.clone();
        }
        FALLBACK_LANGUAGE.to_owned()
    }

    /// The shipped spelling file for one character (code type Default).
    pub fn default_spelling(&self, language: &str, ch: char) -> Result<PathBuf, MediaError> {
        let lang = self.spelling_language(language);
        let dir = self.defaults.join("spelling").join(&lang);
        find_char_file(&dir, ch)?
            .ok_or_else(|| MediaError::MissingSpelling(spelling_store_path(&lang, ch)))
    }

    /// The user's spelling file for one character (code type Custom): only
    /// `<store>/spelling/<language>/<char>.wav`, no language fallback, no defaults.
    pub fn custom_spelling(&self, language: &str, ch: char) -> Result<PathBuf, MediaError> {
        if !is_safe_segment(language) {
            return Err(MediaError::UnsupportedLanguage(language.to_owned()));
        }
        let missing = || MediaError::MissingSpelling(spelling_store_path(language, ch));
        let user = self.user.as_ref().ok_or_else(missing)?;
        let dir = user.join("spelling").join(language);
        find_char_file(&dir, ch)?.ok_or_else(missing)
    }
}

/// `/spelling/<lang>/<char>.wav` as named in errors.
fn spelling_store_path(language: &str, ch: char) -> String {
    format!("/spelling/{language}/{}.wav", ch.to_ascii_lowercase())
}

/// Finds `<ch>.wav` in `dir` with the character and extension in any letter case (`a.wav`
/// first, the common spelling, so the directory is listed only when that misses).
fn find_char_file(dir: &Path, ch: char) -> Result<Option<PathBuf>, MediaError> {
    if !ch.is_ascii_alphanumeric() {
        return Err(MediaError::InvalidCodeCharacter);
    }
    let lower = dir.join(format!("{}.wav", ch.to_ascii_lowercase()));
    if lower.is_file() {
        return Ok(Some(lower));
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(None);
    };
    let want = format!("{}.wav", ch.to_ascii_lowercase());
    Ok(entries.filter_map(Result::ok).map(|e| e.path()).find(|p| {
        p.is_file()
            && p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.eq_ignore_ascii_case(&want))
    }))
}

fn list_dirs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    // Sorted so the fallback picks the same region on every machine.
    v.sort();
    v
}

fn is_safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Turns `/prompts/a.wav` into `prompts/a.wav`, refusing anything that could leave the
/// store (`..`, backslashes, NUL, a missing leading `/`).
fn relative_store_path(store_path: &str) -> Result<PathBuf, MediaError> {
    let invalid = || MediaError::InvalidAudioPath(store_path.to_owned());
    let rest = store_path.strip_prefix('/').ok_or_else(invalid)?;
    if rest.is_empty() || rest.contains(['\\', '\0']) {
        return Err(invalid());
    }
    let rel = PathBuf::from(rest);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(invalid());
    }
    Ok(rel)
}
