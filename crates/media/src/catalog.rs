//! Where audio files live: the user's audio store laid over the shipped defaults.
//!
//! Paths in requests are *store paths* such as `/prompts/welcome.wav`: absolute, `/`
//! separated, relative to the store. They are resolved against the user's directory first
//! and the shipped `audio/` directory second; a path under [`SHIPPED_PREFIX`] resolves in
//! the shipped directory only, so no upload can ever stand in for it. Error messages name
//! store paths, never the directories on this machine.
//!
//! # Which spelling set reads a Default code
//!
//! Two kinds of sets exist: *recorded* ones (human voices imported with
//! `voice-otp audio import-asterisk` into `<recorded>/<lang>/<female|male>/`, not shipped
//! in the repository) and the *synthesised* ones shipped in `audio/spelling/<lang>/`
//! (espeak-ng, female). For a voice, the first of these that exists is used:
//!
//! 1. a recorded set of the voice's language (the exact tag, else another region of the
//!    same language: en-GB reads with the en-US recordings), of the voice's gender, else
//!    of the other gender (a human voice is clearer than a synthetic one of the asked
//!    gender: it-IT only has a male recording);
//! 2. the synthesised set of the language (exact tag, primary subtag, another region);
//! 3. [`FALLBACK_LANGUAGE`]'s, only for a language no TTS voice speaks either (refused at
//!    validation, so no call reads a code in a foreign language).
//!
//! # How its letters are read
//!
//! A voice that does not choose a [`LetterStyle`] gets the set's own: phonetic ("N,
//! November") for a recorded set with its spelling-alphabet words, by name for the
//! synthesised ones. That is what measured clearest for each (docs/intelligibility.md: the
//! human set's letters are misheard without their words, espeak-ng's words are misheard).

use std::path::{Component, Path, PathBuf};

use crate::{Gender, LetterStyle, MediaError};

/// Store paths that start with this (`/.shipped/prompts/en-GB/intro.wav`) name a shipped
/// file and nothing else. Upload paths cannot start with a dot, so only the daemon writes
/// them: for clients whose File prompts must not depend on anyone else's uploads.
pub const SHIPPED_PREFIX: &str = "/.shipped/";

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
    recorded: Option<PathBuf>,
}

/// A spelling set's directory, its name in error messages and its own letter style.
struct SpellingSet {
    dir: PathBuf,
    store: String,
    letters: LetterStyle,
}

impl SpellingSet {
    fn file(&self, name: &str) -> Result<PathBuf, MediaError> {
        let path = self.dir.join(name);
        if path.is_file() {
            Ok(path)
        } else {
            Err(MediaError::MissingSpelling(format!(
                "{}/{name}",
                self.store
            )))
        }
    }
}

impl AudioRoot {
    /// An audio root with an optional user store above the shipped defaults directory.
    pub fn new(user: Option<PathBuf>, defaults: PathBuf) -> Self {
        AudioRoot {
            user,
            defaults,
            recorded: None,
        }
    }

    /// The same root, reading Default codes with the recorded (human) spelling sets in
    /// `dir` where they cover the language (see the module docs). A missing directory
    /// means no recordings.
    pub fn with_recorded(mut self, dir: Option<PathBuf>) -> Self {
        self.recorded = dir;
        self
    }

    /// The directory of recorded spelling sets, if any.
    pub fn recorded_dir(&self) -> Option<&Path> {
        self.recorded.as_deref()
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
        if let Some(shipped) = store_path.strip_prefix(SHIPPED_PREFIX) {
            let rel = relative_store_path(&format!("/{shipped}"))?;
            let path = self.defaults.join(rel);
            return if path.is_file() {
                Ok(path)
            } else {
                Err(MediaError::PromptNotFound(store_path.to_owned()))
            };
        }
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
        let primary = primary_subtag(language);
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

    /// The spelling file of one character for a female voice (code type Default): see
    /// [`AudioRoot::spelling_files`].
    pub fn default_spelling(&self, language: &str, ch: char) -> Result<PathBuf, MediaError> {
        if !ch.is_ascii_alphanumeric() {
            return Err(MediaError::InvalidCodeCharacter);
        }
        let name = format!("{}.wav", ch.to_ascii_lowercase());
        self.spelling_set(language, Gender::Female).file(&name)
    }

    /// The files that speak one character of a Default code, in order: its spelling file,
    /// and for a letter read [`LetterStyle::Phonetic`] also its word of the spelling
    /// alphabet (`phonetic/<letter>.wav` of the same set). The set, and the style when
    /// `style` is `None`, are chosen as the module docs say.
    pub fn spelling_files(
        &self,
        language: &str,
        gender: Gender,
        style: Option<LetterStyle>,
        ch: char,
    ) -> Result<Vec<PathBuf>, MediaError> {
        if !ch.is_ascii_alphanumeric() {
            return Err(MediaError::InvalidCodeCharacter);
        }
        let lower = ch.to_ascii_lowercase();
        let set = self.spelling_set(language, gender);
        let mut files = vec![set.file(&format!("{lower}.wav"))?];
        if style.unwrap_or(set.letters) == LetterStyle::Phonetic && lower.is_ascii_alphabetic() {
            files.push(set.file(&format!("phonetic/{lower}.wav"))?);
        }
        Ok(files)
    }

    /// The spelling set a Default code of this language and gender is read with.
    fn spelling_set(&self, language: &str, gender: Gender) -> SpellingSet {
        if let Some(set) = self.recorded_set(language, gender) {
            return set;
        }
        let lang = self.spelling_language(language);
        SpellingSet {
            dir: self.defaults.join("spelling").join(&lang),
            store: format!("/spelling/{lang}"),
            letters: LetterStyle::Name,
        }
    }

    /// The recorded set for the language (exact tag, else another region), of `gender`
    /// else of the other one.
    fn recorded_set(&self, language: &str, gender: Gender) -> Option<SpellingSet> {
        let root = self.recorded.as_ref()?;
        let dirs = list_dirs(root);
        let primary = primary_subtag(language).to_ascii_lowercase();
        let same_language = |d: &&String| primary_subtag(d).eq_ignore_ascii_case(&primary);
        let lang = dirs
            .iter()
            .find(|d| d.eq_ignore_ascii_case(language))
            .or_else(|| dirs.iter().find(same_language))?;
        let (first, second) = match gender {
            Gender::Female => ("female", "male"),
            Gender::Male => ("male", "female"),
        };
        [first, second].into_iter().find_map(|g| {
            let dir = root.join(lang).join(g);
            dir.is_dir().then(|| SpellingSet {
                letters: if dir.join("phonetic").is_dir() {
                    LetterStyle::Phonetic
                } else {
                    LetterStyle::Name
                },
                dir,
                store: format!("/recorded/{lang}/{g}"),
            })
        })
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

/// `en` of `en-GB` (or `en_GB`); `nb` for `no` (Norwegian is written Bokmål, `nb`, in the
/// shipped sets, as the TTS speaks it).
fn primary_subtag(language: &str) -> &str {
    let primary = language.split(['-', '_']).next().unwrap_or(language);
    if primary.eq_ignore_ascii_case("no") {
        "nb"
    } else {
        primary
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
