//! The audio store (the "voice audio manager"): uploaded WAVs under `[audio] dir`, with the
//! shipped defaults under `[audio] defaults` beneath them for lookups.
//!
//! Each tenant has its own store: the `default` tenant's is `[audio] dir` itself, another
//! tenant's is `[audio] dir/.tenants/<name>/`, which no API path can name (segments cannot
//! start with a dot). A tenant's File prompt is handed to the call as a path that names
//! exactly the file it resolved to at request time: `/.tenants/<name>/...` for its own
//! upload, `/.shipped/...` for a shipped file, so no other tenant's upload can ever stand in
//! for it, and the renderer's caches key the two apart.
//!
//! Paths are `/`-separated segments of `[a-z0-9._-]` that do not start with a dot, ending in
//! `.wav` (a directory may also be a locale such as `en-GB`); anything else is refused before the file system is touched, so a request cannot
//! reach outside the store.

use std::path::{Path, PathBuf};

use voice_otp_media::{AudioRoot, CodeType, LetterStyle, Voice};

/// Largest accepted upload.
pub(crate) const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// Why an audio path or upload was refused (shown to the client).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AudioError {
    /// The path breaks the naming rules.
    #[error("{0}")]
    BadPath(&'static str),
    /// The WAV could not be read.
    #[error("not a supported WAV file: {0}")]
    BadWav(String),
    /// No such file.
    #[error("no such audio file")]
    NotFound,
    /// The disk refused.
    #[error("the audio store could not be written")]
    Io,
}

/// Lookups and file operations on the audio store.
#[derive(Debug, Clone)]
pub(crate) struct AudioFiles {
    user: PathBuf,
    /// `/.tenants/<name>` for a tenant other than `default`: the store path of `user`
    /// below the renderer's root.
    namespace: Option<String>,
    defaults: PathBuf,
    recorded: Option<PathBuf>,
    letter_style: Option<LetterStyle>,
}

/// Checks a store path and returns it normalised as `/a/b.wav` plus its relative form.
pub(crate) fn normalise_path(path: &str) -> Result<(String, PathBuf), AudioError> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    if trimmed.is_empty() {
        return Err(AudioError::BadPath("path is empty"));
    }
    let segments: Vec<&str> = trimmed.split('/').collect();
    if segments.len() > 8 {
        return Err(AudioError::BadPath("path has more than 8 segments"));
    }
    for (i, seg) in segments.iter().enumerate() {
        // `/spelling/en-GB/a.wav`, `/prompts/nl-NL/intro.wav`: a directory named after a
        // locale keeps its region in upper case, because that is how `voice.language`
        // names it. File names stay lower case.
        if i + 1 < segments.len() && seg.contains('-') && crate::request::is_locale(seg) {
            continue;
        }
        if seg.is_empty() {
            return Err(AudioError::BadPath("path has an empty segment"));
        }
        if seg.starts_with('.') {
            return Err(AudioError::BadPath(
                "path segments must not start with a dot",
            ));
        }
        if seg.len() > 128 {
            return Err(AudioError::BadPath(
                "path segment longer than 128 characters",
            ));
        }
        if !seg
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'))
        {
            return Err(AudioError::BadPath(
                "path segments may only contain lowercase letters, digits, '.', '_' and '-'",
            ));
        }
    }
    if !trimmed.ends_with(".wav") {
        return Err(AudioError::BadPath("file name must end in .wav"));
    }
    Ok((format!("/{trimmed}"), segments.iter().collect()))
}

impl AudioFiles {
    pub(crate) fn new(user: PathBuf, defaults: PathBuf) -> Self {
        AudioFiles {
            user,
            namespace: None,
            defaults,
            recorded: None,
            letter_style: None,
        }
    }

    /// The store of tenant `name` (see the module docs); `default`'s is this one.
    pub(crate) fn for_tenant(&self, name: &str) -> AudioFiles {
        if name == crate::config::DEFAULT_TENANT {
            return self.clone();
        }
        // Tenant names are 1 to 32 characters of [a-z0-9_-] (checked at start): one plain
        // path segment.
        AudioFiles {
            user: self.user.join(".tenants").join(name),
            namespace: Some(format!("/.tenants/{name}")),
            ..self.clone()
        }
    }

    /// Requests without `letter-style` get `style` (`[audio] letter-style`; `None`: the
    /// spelling set's own).
    pub(crate) fn with_letter_style(mut self, style: Option<LetterStyle>) -> Self {
        self.letter_style = style;
        self
    }

    /// The `letter-style` of requests that do not give one.
    pub(crate) fn letter_style(&self) -> Option<LetterStyle> {
        self.letter_style
    }

    /// Reads Default codes with the recorded spelling sets in `dir`, as the renderer does.
    pub(crate) fn with_recorded(mut self, dir: PathBuf) -> Self {
        self.recorded = Some(dir);
        self
    }

    /// Where a store path lives: the user's file if there is one, else the shipped one.
    pub(crate) fn resolve(&self, path: &str) -> Option<PathBuf> {
        let (_, rel) = normalise_path(path).ok()?;
        [self.user.join(&rel), self.defaults.join(&rel)]
            .into_iter()
            .find(|p| p.is_file())
    }

    /// A `File` prompt: a valid path that exists (user store, then shipped defaults, as
    /// the renderer will look it up). Returns the normalised path.
    pub(crate) fn check_prompt_file(&self, path: &str) -> Result<String, String> {
        let (norm, rel) = normalise_path(path).map_err(|e| e.to_string())?;
        self.root().check_prompt(&norm).map_err(|e| e.to_string())?;
        let Some(namespace) = &self.namespace else {
            return Ok(norm);
        };
        // Name the file it resolved to, below the renderer's root (see the module docs).
        Ok(if self.user.join(&rel).is_file() {
            format!("{namespace}{norm}")
        } else {
            format!(
                "{}{norm}",
                voice_otp_media::SHIPPED_PREFIX.trim_end_matches('/')
            )
        })
    }

    /// The spelling files a code needs, looked up exactly as the renderer will: Custom from
    /// the user's `/spelling/<lang>/` only (a missing character names its file), Default
    /// from the shipped set with its language fallback.
    pub(crate) fn check_code(
        &self,
        code: &str,
        code_type: CodeType,
        voice: &Voice,
    ) -> Result<(), String> {
        let root = self.root();
        for c in code.chars() {
            let found = match code_type {
                CodeType::Tts => return Ok(()),
                CodeType::Custom => root.custom_spelling(&voice.language, c).map(drop),
                CodeType::Default => root
                    .spelling_files(&voice.language, voice.gender, voice.letter_style, c)
                    .map(drop),
            };
            found.map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// A TTS voice the engine can speak: (field, reason) when not.
    pub(crate) fn check_voice(&self, voice: &Voice) -> Result<(), (&'static str, String)> {
        use voice_otp_media::{MediaError, Tts};
        voice_otp_media::EspeakNg::new()
            .validate_voice(voice)
            .map_err(|e| {
                let field = match e {
                    MediaError::UnsupportedVoiceNumber { .. } => "voice.number",
                    MediaError::InvalidVolume(_) => "voice.volume",
                    _ => "voice.language",
                };
                (field, e.to_string())
            })
    }

    fn root(&self) -> AudioRoot {
        AudioRoot::new(Some(self.user.clone()), self.defaults.clone())
            .with_recorded(self.recorded.clone())
    }

    /// Converts and stores an upload; returns (normalised path, samples stored).
    pub(crate) fn put(&self, path: &str, wav: &[u8]) -> Result<(String, usize), AudioError> {
        let (norm, rel) = normalise_path(path)?;
        let samples =
            voice_otp_media::wav::decode_wav(wav).map_err(|e| AudioError::BadWav(e.to_string()))?;
        let bytes = voice_otp_media::wav::encode_wav(&samples);
        let target = self.user.join(&rel);
        let dir = target.parent().ok_or(AudioError::Io)?;
        std::fs::create_dir_all(dir).map_err(|_| AudioError::Io)?;
        // Write then rename, so a call never reads a half-written prompt.
        let tmp = dir.join(format!(".upload-{}.tmp", uuid::Uuid::new_v4()));
        std::fs::write(&tmp, &bytes).map_err(|_| AudioError::Io)?;
        std::fs::rename(&tmp, &target).map_err(|_| {
            let _ = std::fs::remove_file(&tmp);
            AudioError::Io
        })?;
        Ok((norm, samples.len()))
    }

    /// The bytes of a stored file (user store first, then the shipped defaults).
    pub(crate) fn get(&self, path: &str) -> Result<Vec<u8>, AudioError> {
        normalise_path(path)?;
        let file = self.resolve(path).ok_or(AudioError::NotFound)?;
        std::fs::read(file).map_err(|_| AudioError::NotFound)
    }

    /// Deletes a user file (shipped defaults cannot be deleted).
    pub(crate) fn delete(&self, path: &str) -> Result<(), AudioError> {
        let (_, rel) = normalise_path(path)?;
        let target = self.user.join(&rel);
        if !target.is_file() {
            return Err(AudioError::NotFound);
        }
        std::fs::remove_file(&target).map_err(|_| AudioError::Io)
    }

    /// Whether `path` is a shipped prompt (a file of the defaults outside `/spelling/`, which
    /// File prompts resolve to when no upload shadows it). Shipped prompts are read-only:
    /// an upload at the same path would change what every client's calls play. Spelling
    /// sets are not shadowed (Default reads only the shipped set, Custom only uploads).
    pub(crate) fn is_shipped_prompt(&self, path: &str) -> bool {
        normalise_path(path).is_ok_and(|(norm, rel)| {
            !norm.starts_with("/spelling/") && self.defaults.join(rel).is_file()
        })
    }

    /// Every user file as (path, size in bytes), sorted by path.
    pub(crate) fn list(&self) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        walk(&self.user, "", &mut out, 0);
        out.sort();
        out
    }
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, u64)>, depth: usize) {
    if depth > 8 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let path = format!("{prefix}/{name}");
        if meta.is_dir() {
            walk(&entry.path(), &path, out, depth + 1);
        } else if meta.is_file() && name.ends_with(".wav") {
            out.push((path, meta.len()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_naming_rules() {
        assert_eq!(
            normalise_path("/spelling/en-gb/a.wav").unwrap().0,
            "/spelling/en-gb/a.wav"
        );
        assert!(normalise_path("prompts/welcome.wav").is_ok());
        assert!(normalise_path("/spelling/en-GB/q.wav").is_ok());
        assert!(normalise_path("/spelling/en-GB/Q.wav").is_err());
        for bad in [
            "",
            "/",
            "/A.wav",
            "/../x.wav",
            "/a//b.wav",
            "/a/.hidden.wav",
            "/a b.wav",
            "/x.mp3",
            "/a/b\\c.wav",
        ] {
            assert!(normalise_path(bad).is_err(), "{bad:?} accepted");
        }
    }
}
