//! Validation of `POST /voiceapi/v2/OTP`, `/Notification` and `/DTMF` bodies (spec
//! section 2; the Request DTMF fields follow CM's .NET SDK, see docs/api-notes.md).
//!
//! The body is read as a JSON tree and checked field by field so that one response can name
//! every offending field. `null` counts as absent: CM.com's .NET SDK sends
//! `"instruction-id": null` and `"callees": null`. Messages never echo the code.

use std::collections::HashSet;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};
use voice_otp_call::{
    CallKind, CallSettings, CallSpec, CollectRules, Digit, DigitPattern, Keys, OtpCode,
};
use voice_otp_media::{CodeType, Gender, LetterStyle, PromptSource, Voice};
use zeroize::Zeroize;

use crate::audio::AudioFiles;
use crate::config::GuardConfig;

/// One offending field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field, such as `max-replays` or `callees[2]`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// A callee left out because `disable-callees-validation` was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SkippedCallee {
    pub(crate) callee: String,
    pub(crate) message: String,
}

/// A request that passed every rule.
#[derive(Debug, Clone)]
pub(crate) struct Instruction {
    pub(crate) kind: CallKind,
    pub(crate) instruction_id: Option<String>,
    pub(crate) caller: String,
    pub(crate) anonymous: bool,
    pub(crate) callback_url: Option<String>,
    pub(crate) ring_timeout: Duration,
    pub(crate) intro: Option<PromptSource>,
    pub(crate) code_prompt: Option<PromptSource>,
    pub(crate) replay_prompt: Option<PromptSource>,
    /// For Request DTMF: the `valid-prompt`.
    pub(crate) outro: Option<PromptSource>,
    /// Request DTMF: how keys are collected.
    pub(crate) collect: Option<CollectRules>,
    /// Request DTMF: the `invalid-prompt`.
    pub(crate) invalid_prompt: Option<PromptSource>,
    /// OTP: `require-keypress` as the request gave it (`None`: the configured default).
    pub(crate) require_keypress: Option<bool>,
    pub(crate) code: Option<OtpCode>,
    pub(crate) code_type: CodeType,
    pub(crate) voice: Voice,
    pub(crate) max_replays: u8,
    pub(crate) auto_replay: bool,
    pub(crate) voicemail_response: Option<&'static str>,
    /// Valid, deduplicated, in request order.
    pub(crate) callees: Vec<String>,
    pub(crate) skipped: Vec<SkippedCallee>,
    /// Only `callee` was given: the response is one object, not an array.
    pub(crate) single: bool,
}

impl Instruction {
    /// The call to `callee` (one of [`Instruction::callees`]), with a fresh call id and,
    /// under `require-keypress`, its freshly drawn key.
    pub(crate) fn call_spec(&self, callee: &str, settings: CallSettings) -> CallSpec {
        CallSpec {
            call_id: uuid::Uuid::new_v4().to_string(),
            instruction_id: self.instruction_id.clone(),
            kind: self.kind,
            callee: callee.to_owned(),
            caller: self.caller.clone(),
            anonymous: self.anonymous,
            ring_timeout: self.ring_timeout,
            intro: self.intro.clone(),
            code_prompt: self.code_prompt.clone(),
            replay_prompt: self.replay_prompt.clone(),
            outro: self.outro.clone(),
            code: self.code.clone(),
            code_type: self.code_type,
            collect: self.collect.clone(),
            invalid_prompt: self.invalid_prompt.clone(),
            keypress: keypress_for(self, &settings),
            voice: self.voice.clone(),
            max_replays: self.max_replays,
            auto_replay: self.auto_replay,
            settings,
        }
    }
}

/// Collects field errors while the request is walked.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }
}

/// A field, with `null` treated as missing.
fn get<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

/// An enum given as a name (any letter case) or as the .NET SDK's integer.
fn parse_enum(v: &Value, names: &[&'static str]) -> Option<usize> {
    match v {
        Value::String(s) => names.iter().position(|n| n.eq_ignore_ascii_case(s.trim())),
        Value::Number(n) => n
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .filter(|i| *i < names.len()),
        _ => None,
    }
}

fn enum_message(names: &[&str]) -> String {
    let listed: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{n} ({i})"))
        .collect();
    format!("must be one of {}", listed.join(", "))
}

fn opt_bool(obj: &Map<String, Value>, name: &str, errors: &mut Errors) -> bool {
    match get(obj, name) {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.add(name, "must be true or false");
            false
        }
    }
}

fn opt_int(
    obj: &Map<String, Value>,
    name: &str,
    range: std::ops::RangeInclusive<i64>,
    errors: &mut Errors,
) -> Option<i64> {
    let v = get(obj, name)?;
    match v.as_i64() {
        Some(i) if range.contains(&i) => Some(i),
        _ => {
            errors.add(
                name,
                format!("must be between {} and {}", range.start(), range.end()),
            );
            None
        }
    }
}

/// Checks an E.164 number: `+`, 7 to 15 digits, and a number the numbering plan knows.
pub(crate) fn check_e164(number: &str) -> Result<(), &'static str> {
    let digits = number.strip_prefix('+').unwrap_or("");
    if !number.starts_with('+')
        || !(7..=15).contains(&digits.len())
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Err("must be an E.164 number: + and 7 to 15 digits");
    }
    match phonenumber::parse(None, number) {
        Ok(n) if phonenumber::is_valid(&n) => Ok(()),
        _ => Err("is not a valid phone number in its country's numbering plan"),
    }
}

const PROMPT_TYPES: &[&str] = &["File", "TTS", "TTS_SSML"];
const CODE_TYPES: &[&str] = &["Default", "TTS", "Custom"];
const GENDERS: &[&str] = &["Male", "Female"];
const VOICEMAIL: &[&str] = &["Ignore", "Restart", "Stop"];
const MAX_TTS_CHARS: usize = 750;

/// Index in [`PROMPT_TYPES`] of `File`.
const FILE: usize = 0;
/// Index in [`PROMPT_TYPES`] of `TTS`.
const TTS: usize = 1;

/// A prompt and its type. A type without a prompt is an error; a prompt without a type
/// takes `default_type` (CM's documented default for that field, see docs/api-notes.md).
fn prompt(
    obj: &Map<String, Value>,
    name: &str,
    type_name: &str,
    default_type: usize,
    audio: &AudioFiles,
    errors: &mut Errors,
) -> Option<PromptSource> {
    let text = get(obj, name);
    let kind = get(obj, type_name);
    let text = match text {
        None => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(_) => {
            errors.add(name, "must be a non-empty string");
            return None;
        }
    };
    let kind = match kind {
        None => None,
        Some(v) => match parse_enum(v, PROMPT_TYPES) {
            Some(i) => Some(i),
            None => {
                errors.add(type_name, enum_message(PROMPT_TYPES));
                return None;
            }
        },
    };
    match (text, kind) {
        (None, None) => None,
        (None, Some(_)) => {
            errors.add(name, format!("is required when {type_name} is given"));
            None
        }
        (Some(text), None) => typed_prompt(text, default_type, name, audio, errors),
        (Some(text), Some(i)) => typed_prompt(text, i, name, audio, errors),
    }
}

/// A prompt whose type (an index in [`PROMPT_TYPES`]) is known.
fn typed_prompt(
    text: String,
    kind: usize,
    name: &str,
    audio: &AudioFiles,
    errors: &mut Errors,
) -> Option<PromptSource> {
    if kind == FILE {
        return match audio.check_prompt_file(&text) {
            Ok(path) => Some(PromptSource::File(path)),
            Err(message) => {
                errors.add(name, message);
                None
            }
        };
    }
    if text.chars().count() > MAX_TTS_CHARS {
        errors.add(name, format!("must be at most {MAX_TTS_CHARS} characters"));
        return None;
    }
    // The daemon's own allow-list, before espeak-ng (which would read `<audio>` files and
    // follow a DOCTYPE) ever sees the text.
    let checked = if kind == TTS {
        voice_otp_media::check_tts_text(&text)
    } else {
        voice_otp_media::check_ssml(&text)
    };
    if let Err(reason) = checked {
        errors.add(name, reason.to_string());
        return None;
    }
    Some(if kind == TTS {
        PromptSource::Tts(text)
    } else {
        PromptSource::Ssml(text)
    })
}

fn voice(obj: &Map<String, Value>, errors: &mut Errors) -> Voice {
    let mut voice = Voice::default();
    let Some(v) = get(obj, "voice") else {
        return voice;
    };
    let Some(o) = v.as_object() else {
        errors.add("voice", "must be an object");
        return voice;
    };
    match get(o, "language") {
        None => {}
        Some(Value::String(s)) if is_locale(s) => voice.language = s.clone(),
        Some(_) => errors.add("voice.language", "must be a locale such as en-GB"),
    }
    if let Some(g) = get(o, "gender") {
        match parse_enum(g, GENDERS) {
            Some(0) => voice.gender = Gender::Male,
            Some(_) => voice.gender = Gender::Female,
            None => errors.add("voice.gender", enum_message(GENDERS)),
        }
    }
    if let Some(n) = get(o, "number") {
        match n.as_i64() {
            Some(n @ 1..=255) => voice.number = n as u8,
            _ => errors.add("voice.number", "must be an integer from 1 to 255"),
        }
    }
    if let Some(n) = get(o, "volume") {
        match n.as_i64() {
            Some(n @ -4..=4) => voice.volume = n as i8,
            _ => errors.add("voice.volume", "must be between -4 and 4"),
        }
    }
    voice
}

/// `en-GB`, `nl-NL`, `en`, `es-419`: a language and optional region.
pub(crate) fn is_locale(s: &str) -> bool {
    let mut parts = s.split('-');
    let lang = parts.next().unwrap_or("");
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Validates a request body against every rule; on failure returns all offending fields.
///
/// The parsed JSON's copy of the code is wiped before this returns: from here on the only
/// copies are the [`OtpCode`]s of the instruction and its call specs, which wipe
/// themselves when dropped.
pub(crate) fn validate(
    kind: CallKind,
    body: &[u8],
    audio: &AudioFiles,
    guard: &GuardConfig,
) -> Result<Instruction, Vec<FieldError>> {
    let mut value: Value = serde_json::from_slice(body).map_err(|e| {
        vec![FieldError {
            field: "body".to_owned(),
            message: format!(
                "is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        }]
    })?;
    let result = match value.as_object() {
        Some(obj) => validate_object(kind, obj, audio, guard),
        None => Err(vec![FieldError {
            field: "body".to_owned(),
            message: "must be a JSON object".to_owned(),
        }]),
    };
    if let Some(Value::String(code)) = value.get_mut("code") {
        code.zeroize();
    }
    result
}

/// [`validate`] on the parsed body.
fn validate_object(
    kind: CallKind,
    obj: &Map<String, Value>,
    audio: &AudioFiles,
    guard: &GuardConfig,
) -> Result<Instruction, Vec<FieldError>> {
    let mut errors = Errors::default();
    let instruction_id = instruction_id(obj, &mut errors);
    let callees = callees(obj, guard, &mut errors);
    let caller = caller(obj, &mut errors);
    let anonymous = opt_bool(obj, "anonymous", &mut errors);
    let callback_url = callback_url(obj, &mut errors);
    let ring_timeout = ring_timeout(kind, obj, &mut errors);
    let voice = voice_with_letter_style(obj, audio, &mut errors);
    let max_replays = opt_int(obj, "max-replays", 0..=3, &mut errors).unwrap_or(0) as u8;
    let auto_replay = opt_bool(obj, "auto-replay", &mut errors);
    // A voice-otp extension of OTP calls; other apps ignore it like any unknown field.
    let require_keypress = match get(obj, "require-keypress") {
        Some(_) if kind == CallKind::Otp => Some(opt_bool(obj, "require-keypress", &mut errors)),
        _ => None,
    };
    let voicemail_response = voicemail_response(obj, &mut errors);
    let prompts = app_prompts(kind, obj, audio, &voice, &mut errors);

    let uses_tts = [
        &prompts.intro,
        &prompts.code_prompt,
        &prompts.replay_prompt,
        &prompts.outro,
        &prompts.invalid_prompt,
    ]
    .iter()
    .any(|p| matches!(p, Some(PromptSource::Tts(_) | PromptSource::Ssml(_))))
        || (prompts.code.is_some() && prompts.code_type == CodeType::Tts)
        || require_keypress == Some(true);
    if uses_tts && let Err((field, message)) = audio.check_voice(&voice) {
        errors.add(field, message);
    }

    if !errors.0.is_empty() {
        return Err(errors.0);
    }
    Ok(Instruction {
        kind,
        instruction_id,
        caller,
        anonymous,
        callback_url,
        ring_timeout,
        intro: prompts.intro,
        code_prompt: prompts.code_prompt,
        replay_prompt: prompts.replay_prompt,
        outro: prompts.outro,
        collect: prompts.collect,
        invalid_prompt: prompts.invalid_prompt,
        require_keypress,
        code: prompts.code,
        code_type: prompts.code_type,
        voice,
        max_replays,
        auto_replay,
        voicemail_response,
        single: callees.single,
        callees: callees.valid,
        skipped: callees.skipped,
    })
}

fn instruction_id(obj: &Map<String, Value>, errors: &mut Errors) -> Option<String> {
    match get(obj, "instruction-id") {
        None => None,
        Some(Value::String(s)) if s.chars().count() <= 64 => Some(s.clone()),
        Some(Value::String(_)) => {
            errors.add("instruction-id", "must be at most 64 characters");
            None
        }
        Some(_) => {
            errors.add("instruction-id", "must be a string");
            None
        }
    }
}

/// `callee` and `callees`, checked against the numbering plan and the destination policy.
struct Callees {
    /// Valid, deduplicated, in request order.
    valid: Vec<String>,
    /// Refused under `disable-callees-validation`.
    skipped: Vec<SkippedCallee>,
    /// Only `callee` was given.
    single: bool,
}

fn callees(obj: &Map<String, Value>, guard: &GuardConfig, errors: &mut Errors) -> Callees {
    let disable_validation = opt_bool(obj, "disable-callees-validation", errors);
    let mut callees = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    let mut consider = |field: String, v: &Value, errors: &mut Errors| {
        let Some(number) = v.as_str() else {
            errors.add(field, "must be a string");
            return;
        };
        let number = number.trim().to_owned();
        let checked = check_e164(&number)
            .map_err(str::to_owned)
            .and_then(|()| crate::guard::check_destination(guard, &number));
        match checked {
            Ok(()) => {
                if seen.insert(number.clone()) {
                    callees.push(number);
                }
            }
            Err(message) if disable_validation => skipped.push(SkippedCallee {
                callee: number,
                message,
            }),
            Err(message) => errors.add(field, message),
        }
    };
    let callee = get(obj, "callee");
    let many = get(obj, "callees");
    if let Some(v) = callee {
        consider("callee".to_owned(), v, errors);
    }
    match many {
        None => {}
        Some(Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                consider(format!("callees[{i}]"), v, errors);
            }
        }
        Some(_) => errors.add("callees", "must be an array of strings"),
    }
    let mut empty_callees_field = false;
    if callee.is_none() && many.is_none_or(|v| v.as_array().is_some_and(|a| a.is_empty())) {
        errors.add("callee", "callee or callees is required");
        empty_callees_field = true;
    }
    if callees.is_empty() && !skipped.is_empty() && !empty_callees_field {
        errors.add(
            if many.is_some() { "callees" } else { "callee" },
            "no valid number to dial",
        );
    }
    Callees {
        valid: callees,
        skipped,
        single: many.is_none(),
    }
}

fn caller(obj: &Map<String, Value>, errors: &mut Errors) -> String {
    match get(obj, "caller") {
        None => {
            errors.add("caller", "is required");
            String::new()
        }
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.is_empty() || s.chars().count() > 24 {
                errors.add("caller", "must be 1 to 24 characters");
            } else if let Err(message) = check_e164(s) {
                errors.add("caller", message);
            }
            s.to_owned()
        }
        Some(_) => {
            errors.add("caller", "must be a string");
            String::new()
        }
    }
}

fn callback_url(obj: &Map<String, Value>, errors: &mut Errors) -> Option<String> {
    match get(obj, "callback-url") {
        None => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => match reqwest::Url::parse(s.trim()) {
            Ok(u)
                if matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some()
                    && s.len() <= 2048 =>
            {
                Some(u.to_string())
            }
            _ => {
                errors.add("callback-url", "must be an http or https URL");
                None
            }
        },
        Some(_) => {
            errors.add("callback-url", "must be a string");
            None
        }
    }
}

fn ring_timeout(kind: CallKind, obj: &Map<String, Value>, errors: &mut Errors) -> Duration {
    // `timeout` is the older name; the current one wins when both are given. In a
    // Request DTMF body `timeout` is CM's key timeout instead, never the ring timeout.
    let ring = if get(obj, "max-ringing-timeout").is_some() {
        opt_int(obj, "max-ringing-timeout", 10..=60, errors)
    } else if kind == CallKind::Dtmf {
        None
    } else {
        opt_int(obj, "timeout", 10..=60, errors)
    };
    Duration::from_secs(ring.unwrap_or(60) as u64)
}

/// `voice`, with the `letter-style` extension (default `[audio] letter-style`).
fn voice_with_letter_style(
    obj: &Map<String, Value>,
    audio: &AudioFiles,
    errors: &mut Errors,
) -> Voice {
    let mut voice = voice(obj, errors);
    voice.letter_style = match get(obj, "letter-style") {
        None => audio.letter_style(),
        Some(v) => match v.as_str().and_then(LetterStyle::parse) {
            Some(style) => Some(style),
            None => {
                errors.add("letter-style", "must be \"name\" or \"phonetic\"");
                audio.letter_style()
            }
        },
    };
    voice
}

fn voicemail_response(obj: &Map<String, Value>, errors: &mut Errors) -> Option<&'static str> {
    match get(obj, "voicemail-response") {
        None => None,
        Some(v) => match parse_enum(v, VOICEMAIL) {
            Some(i) => Some(VOICEMAIL[i]),
            None => {
                errors.add("voicemail-response", enum_message(VOICEMAIL));
                None
            }
        },
    }
}

/// What an app plays (and, for OTP, the code; for Request DTMF, how keys are collected).
struct AppPrompts {
    intro: Option<PromptSource>,
    /// OTP: `code-prompt`; Notification and Request DTMF: `prompt`.
    code_prompt: Option<PromptSource>,
    replay_prompt: Option<PromptSource>,
    /// Request DTMF: the `valid-prompt`.
    outro: Option<PromptSource>,
    collect: Option<CollectRules>,
    invalid_prompt: Option<PromptSource>,
    code: Option<OtpCode>,
    code_type: CodeType,
}

fn app_prompts(
    kind: CallKind,
    obj: &Map<String, Value>,
    audio: &AudioFiles,
    voice: &Voice,
    errors: &mut Errors,
) -> AppPrompts {
    let mut p = AppPrompts {
        intro: None,
        code_prompt: None,
        replay_prompt: None,
        outro: None,
        collect: None,
        invalid_prompt: None,
        code: None,
        code_type: CodeType::Default,
    };
    // Request DTMF has none of these: its fields are read by `dtmf_fields`.
    if kind != CallKind::Dtmf {
        p.intro = prompt(obj, "intro-prompt", "intro-prompt-type", TTS, audio, errors);
        p.replay_prompt = prompt(
            obj,
            "replay-prompt",
            "replay-prompt-type",
            TTS,
            audio,
            errors,
        );
        p.outro = prompt(obj, "outro-prompt", "outro-prompt-type", TTS, audio, errors);
    }
    match kind {
        CallKind::Otp => {
            p.code_prompt = prompt(obj, "code-prompt", "code-prompt-type", TTS, audio, errors);
            (p.code, p.code_type) = otp_code(obj, audio, voice, errors);
        }
        CallKind::Notification => p.code_prompt = required_prompt(obj, FILE, audio, errors),
        CallKind::Dtmf => {
            let fields = dtmf_fields(obj, audio, errors);
            p.code_prompt = required_prompt(obj, TTS, audio, errors);
            p.outro = fields.valid_prompt;
            p.collect = fields.rules;
            p.invalid_prompt = fields.invalid_prompt;
        }
    }
    p
}

/// `code` and `code-type`, with the spelling files the code needs checked.
fn otp_code(
    obj: &Map<String, Value>,
    audio: &AudioFiles,
    voice: &Voice,
    errors: &mut Errors,
) -> (Option<OtpCode>, CodeType) {
    let code_type = match get(obj, "code-type") {
        None => CodeType::Default,
        Some(v) => match parse_enum(v, CODE_TYPES) {
            Some(0) => CodeType::Default,
            Some(1) => CodeType::Tts,
            Some(_) => CodeType::Custom,
            None => {
                errors.add("code-type", enum_message(CODE_TYPES));
                CodeType::Default
            }
        },
    };
    let code = match get(obj, "code") {
        None => {
            errors.add("code", "is required");
            None
        }
        Some(Value::String(s))
            if (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            Some(OtpCode::new(s.as_str()))
        }
        Some(_) => {
            errors.add("code", "must be 1 to 64 characters of [0-9A-Za-z]");
            None
        }
    };
    if let Some(code) = &code
        && let Err(message) = audio.check_code(code.expose(), code_type, voice)
    {
        errors.add("code-type", message);
    }
    (code, code_type)
}

/// The `prompt` (and `prompt-type`, default `default_type`) of a Notification or Request
/// DTMF body: required.
fn required_prompt(
    obj: &Map<String, Value>,
    default_type: usize,
    audio: &AudioFiles,
    errors: &mut Errors,
) -> Option<PromptSource> {
    let p = prompt(obj, "prompt", "prompt-type", default_type, audio, errors);
    if get(obj, "prompt").is_none() && get(obj, "prompt-type").is_none() {
        errors.add("prompt", "is required");
    }
    p
}

/// Bounds of the Request DTMF numbers. CM documents none; every one is bounded so one
/// request cannot hold a call (and a channel) for long: at most 5 attempts of up to 32
/// keys, 60 s each, and `[calls] max-call-duration` ends the call in any case.
const MAX_DIGITS: i64 = 32;
const MAX_ATTEMPTS: i64 = 5;
const DIGIT_TIMEOUT_MS: std::ops::RangeInclusive<i64> = 1_000..=60_000;
/// The longest `regex` accepted, in characters.
const MAX_PATTERN_CHARS: usize = 256;

/// The Request DTMF fields besides `prompt`.
struct DtmfFields {
    valid_prompt: Option<PromptSource>,
    invalid_prompt: Option<PromptSource>,
    /// `None` when a field was wrong (the errors say which).
    rules: Option<CollectRules>,
}

/// Reads `valid-prompt`, `invalid-prompt`, `min-digits`, `max-digits`, `max-attempts`,
/// `timeout` (ms), `terminators` and `regex`, with the defaults of docs/api-notes.md.
fn dtmf_fields(obj: &Map<String, Value>, audio: &AudioFiles, errors: &mut Errors) -> DtmfFields {
    let before = errors.0.len();
    // The SDK's defaults for the three prompt types of this app are TTS.
    let valid_prompt = prompt(obj, "valid-prompt", "valid-prompt-type", TTS, audio, errors);
    let invalid_prompt = prompt(
        obj,
        "invalid-prompt",
        "invalid-prompt-type",
        TTS,
        audio,
        errors,
    );
    let min_digits = opt_int(obj, "min-digits", 1..=MAX_DIGITS, errors).unwrap_or(1);
    let max_digits = opt_int(obj, "max-digits", 1..=MAX_DIGITS, errors).unwrap_or(MAX_DIGITS);
    if min_digits > max_digits {
        errors.add("min-digits", "must not be more than max-digits");
    }
    let max_attempts = opt_int(obj, "max-attempts", 1..=MAX_ATTEMPTS, errors).unwrap_or(3);
    let timeout = opt_int(obj, "timeout", DIGIT_TIMEOUT_MS, errors).unwrap_or(5_000);
    let terminators = match get(obj, "terminators") {
        None => "#".parse::<Keys>().ok(),
        Some(Value::String(s)) if s.chars().count() <= 16 => {
            let keys = s.parse::<Keys>().ok();
            if keys.is_none() {
                errors.add("terminators", "must be keys from 0-9, *, # and A-D");
            }
            keys
        }
        Some(_) => {
            errors.add("terminators", "must be a string of at most 16 keys");
            None
        }
    };
    let pattern = match get(obj, "regex") {
        None => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) if s.chars().count() <= MAX_PATTERN_CHARS => {
            match DigitPattern::new(s) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.add("regex", e.to_string());
                    None
                }
            }
        }
        Some(_) => {
            errors.add(
                "regex",
                format!("must be a string of at most {MAX_PATTERN_CHARS} characters"),
            );
            None
        }
    };
    let rules = (errors.0.len() == before).then(|| CollectRules {
        min_digits: min_digits as u8,
        max_digits: max_digits as u8,
        max_attempts: max_attempts as u8,
        timeout: Duration::from_millis(timeout as u64),
        terminators: terminators.unwrap_or_default(),
        pattern,
    });
    DtmfFields {
        valid_prompt,
        invalid_prompt,
        rules,
    }
}

/// The key an OTP call asks for before its reading, when `require-keypress` applies: the
/// request's field, else `[calls] require-keypress`.
fn keypress_for(ins: &Instruction, settings: &CallSettings) -> Option<Digit> {
    let required =
        ins.kind == CallKind::Otp && ins.require_keypress.unwrap_or(settings.require_keypress);
    required.then(keypress_digit)
}

/// A key from 2 to 9, drawn from the thread's CSPRNG (ChaCha, seeded from the OS): 1 is the
/// replay key and 0 a key some voicemail systems send on their own.
fn keypress_digit() -> Digit {
    use rand::Rng;
    if let Some(forced) = crate::fault::forced_keypress_digit() {
        return forced;
    }
    // Event codes 0-9 are the keys 0-9 (RFC 4733), so 2..=9 is always a key.
    Digit::from_event_code(rand::rng().random_range(2..=9)).unwrap_or(Digit::D9)
}
