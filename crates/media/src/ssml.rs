//! The daemon's own check of TTS and SSML prompt text, before espeak-ng sees any of it.
//!
//! espeak-ng's SSML reader does more than speech: `<audio src="...">` makes it read any
//! file the daemon can read (and espeak-ng 1.51 runs `sox` on it), and its parser is not
//! meant for hostile input. So an SSML prompt is parsed here with quick-xml and only an
//! allow-list passes ([`SSML_ALLOWED`]); everything else is refused with a reason the API
//! puts next to the field:
//!
//! - elements not in the list (`<audio>`, `<mark>`, `<voice>`, `<phoneme>`, ...), a
//!   `<speak>` that is not the root, text or elements outside the root;
//! - attributes not in the list for their element (`xml:base`, `src`, namespace
//!   declarations other than the SSML one), and listed attributes whose value is not of
//!   the documented form;
//! - a DOCTYPE (so no entity declarations), processing instructions, comments and CDATA
//!   sections; entity references other than the five predefined ones;
//! - a `<break>` longer than [`MAX_BREAK`], or breaks adding up to more than
//!   [`MAX_BREAKS_TOTAL`] (a `<break>` without `time` counts as 1 s: espeak-ng's longest,
//!   `x-strong`, is 0.7 s at the default rate);
//! - nesting deeper than [`MAX_DEPTH`].
//!
//! The text that passes is what espeak-ng gets, unchanged. A `<prosody rate>` can still
//! stretch speech and pauses; the renderer's stream limit (`max-prompt-seconds`) bounds
//! that.
//!
//! Both plain TTS and SSML text are refused when they hold a control character (U+0000 to
//! U+001F other than tab, CR and LF, and U+007F), raw or as a character reference.

use std::time::Duration;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, Event};

/// The elements an SSML prompt may use and the attributes each may carry.
///
/// | element | attributes and their values |
/// |---|---|
/// | `speak` (root only) | `version` (`1.0`, `1.1`), `xml:lang` (a locale), `xmlns` (`http://www.w3.org/2001/10/synthesis` only) |
/// | `p`, `s`, `lang` | `xml:lang` (a locale such as `en-GB`) |
/// | `break` (empty) | `time` (`250ms`, `1.5s`; at most 10 s), `strength` (`none`, `x-weak`, `weak`, `medium`, `strong`, `x-strong`) |
/// | `say-as` | `interpret-as`, `format`, `detail` (1 to 32 of `[A-Za-z0-9:._-]`) |
/// | `prosody` | `rate`, `pitch`, `range`, `volume` (a keyword, or a number with an optional `%`, `st`, `Hz` or `dB`) |
/// | `emphasis` | `level` (`strong`, `moderate`, `none`, `reduced`) |
/// | `sub` | `alias` (text without `<`, `>`, `&` or `"`) |
pub const SSML_ALLOWED: &[(&str, &[&str])] = &[
    ("speak", &["version", "xml:lang", "xmlns"]),
    ("p", &["xml:lang"]),
    ("s", &["xml:lang"]),
    ("break", &["time", "strength"]),
    ("say-as", &["interpret-as", "format", "detail"]),
    ("prosody", &["rate", "pitch", "range", "volume"]),
    ("emphasis", &["level"]),
    ("sub", &["alias"]),
    ("lang", &["xml:lang"]),
];

/// The longest one `<break>` may be.
pub const MAX_BREAK: Duration = Duration::from_secs(10);

/// The longest all `<break>`s of one prompt may be together.
pub const MAX_BREAKS_TOTAL: Duration = Duration::from_secs(60);

/// How deep elements may nest (`<speak>` is depth 1).
pub const MAX_DEPTH: usize = 16;

/// What a `<break>` without `time` counts towards [`MAX_BREAKS_TOTAL`].
const STRENGTH_BREAK: Duration = Duration::from_secs(1);

/// The only namespace `<speak xmlns>` may declare.
const SSML_NAMESPACE: &str = "http://www.w3.org/2001/10/synthesis";

const STRENGTHS: &[&str] = &["none", "x-weak", "weak", "medium", "strong", "x-strong"];
const LEVELS: &[&str] = &["strong", "moderate", "none", "reduced"];
const PROSODY_WORDS: &[&str] = &[
    "default", "x-slow", "slow", "medium", "fast", "x-fast", "x-low", "low", "high", "x-high",
    "silent", "x-soft", "soft", "loud", "x-loud",
];

/// Why a TTS or SSML prompt was refused. The API shows the message next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// A control character, raw or as a character reference.
    #[error(
        "must not contain control characters (U+0000 to U+001F other than tab, CR and LF, or U+007F)"
    )]
    ControlCharacter,
    /// The SSML is not well-formed XML.
    #[error("is not well-formed SSML: {0}")]
    NotWellFormed(String),
    /// A `<!DOCTYPE>`, the only place entities can be declared.
    #[error("must not contain a DOCTYPE or entity declarations")]
    Doctype,
    /// A processing instruction (`<?...?>` other than a leading XML declaration).
    #[error("must not contain processing instructions")]
    ProcessingInstruction,
    /// An XML declaration other than version 1.0 in UTF-8, or not at the start.
    #[error("may only start with an XML declaration of version 1.0 in UTF-8")]
    Declaration,
    /// A comment.
    #[error("must not contain comments")]
    Comment,
    /// A CDATA section.
    #[error("must not contain CDATA sections")]
    CData,
    /// An entity reference other than `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`.
    #[error("uses the undeclared entity &{0};")]
    UnknownEntity(String),
    /// The document is not exactly one `<speak>` element (text or elements outside it,
    /// another root element, or nothing at all).
    #[error("must be one <speak> element")]
    Root,
    /// A `<speak>` inside the root.
    #[error("<speak> may only be the root element")]
    NestedSpeak,
    /// An element not in [`SSML_ALLOWED`].
    #[error(
        "element <{0}> is not allowed (allowed: speak, p, s, break, say-as, prosody, emphasis, sub, lang)"
    )]
    Element(String),
    /// An attribute not allowed on its element.
    #[error("attribute {attribute} is not allowed on <{element}>")]
    Attribute {
        /// The element.
        element: String,
        /// The attribute.
        attribute: String,
    },
    /// An allowed attribute with a value of the wrong form.
    #[error("attribute {attribute} of <{element}> has an invalid value")]
    AttributeValue {
        /// The element.
        element: String,
        /// The attribute.
        attribute: String,
    },
    /// A `<break>` with content.
    #[error("<break> must be empty")]
    BreakNotEmpty,
    /// One `<break>` longer than [`MAX_BREAK`].
    #[error("a <break> may last at most 10 s")]
    BreakTooLong,
    /// All breaks together longer than [`MAX_BREAKS_TOTAL`].
    #[error("all <break>s together may last at most 60 s")]
    BreaksTooLong,
    /// Elements nested deeper than [`MAX_DEPTH`].
    #[error("elements nest deeper than 16")]
    TooDeep,
}

/// Whether `c` is a control character no prompt may hold.
fn forbidden_control(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\r' | '\n')) || c == '\u{7f}'
}

fn check_controls(text: &str) -> Result<(), TextError> {
    if text.chars().any(forbidden_control) {
        return Err(TextError::ControlCharacter);
    }
    Ok(())
}

/// Checks a plain TTS prompt: no control characters.
pub fn check_tts_text(text: &str) -> Result<(), TextError> {
    check_controls(text)
}

/// Checks an SSML prompt against the allow-list (see the module docs and
/// [`SSML_ALLOWED`]). `Ok` means the text may go to the TTS engine as it is.
pub fn check_ssml(ssml: &str) -> Result<(), TextError> {
    check_controls(ssml)?;
    let mut reader = quick_xml::Reader::from_str(ssml);
    let mut walk = Walk::default();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| TextError::NotWellFormed(e.to_string()))?;
        if matches!(event, Event::Eof) {
            break;
        }
        walk.event(event)?;
    }
    if !walk.seen_root || !walk.open.is_empty() {
        return Err(match walk.open.last() {
            Some(name) => TextError::NotWellFormed(format!("<{name}> is not closed")),
            None => TextError::Root,
        });
    }
    Ok(())
}

/// The state of one pass over the events.
#[derive(Default)]
struct Walk {
    /// Open elements, outermost first.
    open: Vec<String>,
    /// The root `<speak>` was opened.
    seen_root: bool,
    /// Any event came before this one (an XML declaration must be first).
    started: bool,
    /// Sum of all breaks so far.
    breaks: Duration,
}

impl Walk {
    fn event(&mut self, event: Event<'_>) -> Result<(), TextError> {
        let first = !self.started;
        self.started = true;
        match event {
            Event::Start(e) => self.element(&e, false),
            Event::Empty(e) => self.element(&e, true),
            Event::End(_) => {
                self.open.pop();
                Ok(())
            }
            Event::Text(t) => {
                let text = t
                    .decode()
                    .map_err(|e| TextError::NotWellFormed(e.to_string()))?;
                self.text(!text.trim().is_empty())
            }
            Event::GeneralRef(r) => {
                self.text(true)?;
                check_reference(&r)
            }
            Event::Decl(d) => check_declaration(first, &d),
            Event::DocType(_) => Err(TextError::Doctype),
            Event::PI(_) => Err(TextError::ProcessingInstruction),
            Event::Comment(_) => Err(TextError::Comment),
            Event::CData(_) => Err(TextError::CData),
            Event::Eof => Ok(()),
        }
    }

    /// Text may only be inside the root, and never inside `<break>`.
    fn text(&self, significant: bool) -> Result<(), TextError> {
        match self.open.last().map(String::as_str) {
            _ if !significant => Ok(()),
            None => Err(TextError::Root),
            Some("break") => Err(TextError::BreakNotEmpty),
            Some(_) => Ok(()),
        }
    }

    fn element(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), TextError> {
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let Some((_, allowed)) = SSML_ALLOWED.iter().find(|(n, _)| *n == name) else {
            return Err(TextError::Element(name));
        };
        match (self.open.last().map(String::as_str), name.as_str()) {
            (None, "speak") if !self.seen_root => self.seen_root = true,
            (None, _) => return Err(TextError::Root),
            (Some(_), "speak") => return Err(TextError::NestedSpeak),
            (Some("break"), _) => return Err(TextError::BreakNotEmpty),
            (Some(_), _) => {}
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(TextError::TooDeep);
        }
        let mut break_time = None;
        for attr in e.attributes() {
            let attr = attr.map_err(|e| TextError::NotWellFormed(e.to_string()))?;
            let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
            if !allowed.contains(&key.as_str()) {
                return Err(TextError::Attribute {
                    element: name,
                    attribute: key,
                });
            }
            let bad_value = || TextError::AttributeValue {
                element: name.clone(),
                attribute: key.clone(),
            };
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|_| bad_value())?;
            if value.chars().any(forbidden_control) {
                return Err(TextError::ControlCharacter);
            }
            if key == "time" {
                break_time = Some(parse_time(&value).ok_or_else(bad_value)?);
            } else if !valid_value(&key, &value) {
                return Err(bad_value());
            }
        }
        if name == "break" {
            self.add_break(break_time.unwrap_or(STRENGTH_BREAK))?;
        }
        if !empty {
            self.open.push(name);
        }
        Ok(())
    }

    fn add_break(&mut self, pause: Duration) -> Result<(), TextError> {
        if pause > MAX_BREAK {
            return Err(TextError::BreakTooLong);
        }
        self.breaks += pause;
        if self.breaks > MAX_BREAKS_TOTAL {
            return Err(TextError::BreaksTooLong);
        }
        Ok(())
    }
}

/// `&#...;` must not name a control character; named references must be predefined.
fn check_reference(r: &BytesRef<'_>) -> Result<(), TextError> {
    match r.resolve_char_ref() {
        Ok(Some(c)) if forbidden_control(c) => Err(TextError::ControlCharacter),
        Ok(Some(_)) => Ok(()),
        Ok(None) => {
            let name = String::from_utf8_lossy(r.as_ref()).into_owned();
            match name.as_str() {
                "amp" | "lt" | "gt" | "quot" | "apos" => Ok(()),
                _ => Err(TextError::UnknownEntity(name)),
            }
        }
        Err(e) => Err(TextError::NotWellFormed(e.to_string())),
    }
}

/// Only a leading `<?xml version="1.0"?>`, optionally with `encoding="UTF-8"`.
fn check_declaration(first: bool, d: &quick_xml::events::BytesDecl<'_>) -> Result<(), TextError> {
    let version_ok = d.version().is_ok_and(|v| v.as_ref() == b"1.0");
    let encoding_ok = match d.encoding() {
        None => true,
        Some(Ok(e)) => e.eq_ignore_ascii_case(b"utf-8"),
        Some(Err(_)) => false,
    };
    if first && version_ok && encoding_ok {
        Ok(())
    } else {
        Err(TextError::Declaration)
    }
}

/// Whether `value` has the form [`SSML_ALLOWED`] documents for attribute `key`.
fn valid_value(key: &str, value: &str) -> bool {
    match key {
        "version" => matches!(value, "1.0" | "1.1"),
        "xmlns" => value == SSML_NAMESPACE,
        "xml:lang" => is_locale(value),
        "strength" => STRENGTHS.contains(&value),
        "level" => LEVELS.contains(&value),
        "interpret-as" | "format" | "detail" => {
            (1..=32).contains(&value.len())
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'_' | b'-'))
        }
        "rate" | "pitch" | "range" | "volume" => {
            PROSODY_WORDS.contains(&value) || is_prosody_number(value)
        }
        "alias" => !value.contains(['<', '>', '&', '"']),
        _ => false,
    }
}

/// `en`, `en-GB`, `es-419`: 2 or 3 letters, then up to 4 parts of 1 to 8 letters/digits.
fn is_locale(s: &str) -> bool {
    let mut parts = s.split('-');
    let lang = parts.next().unwrap_or("");
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_alphabetic())
        && s.len() <= 35
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `+10%`, `-2st`, `80%`, `1.5`, `+3dB`, `120Hz`: at most 16 characters.
fn is_prosody_number(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let number = ["%", "st", "Hz", "dB"]
        .iter()
        .find_map(|unit| body.strip_suffix(unit))
        .unwrap_or(body);
    s.len() <= 16 && parse_decimal(number).is_some()
}

/// `12`, `1.5`, `.5`: digits with at most one point, at least one digit.
fn parse_decimal(s: &str) -> Option<f64> {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let points = s.bytes().filter(|b| *b == b'.').count();
    if digits == 0 || points > 1 || digits + points != s.len() || s.len() > 12 {
        return None;
    }
    s.parse().ok()
}

/// An SSML time designation: `250ms`, `2s`, `1.5s`.
fn parse_time(value: &str) -> Option<Duration> {
    let (number, millis_per_unit) = match value.strip_suffix("ms") {
        Some(n) => (n, 1.0),
        None => (value.strip_suffix('s')?, 1000.0),
    };
    let millis = parse_decimal(number)? * millis_per_unit;
    // parse_decimal allows at most 12 characters, so this is finite and far below u64::MAX.
    Some(Duration::from_millis(millis.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_numbers() {
        assert_eq!(parse_time("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_time("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_time(".5s"), Some(Duration::from_millis(500)));
        for bad in [
            "", "s", "ms", "1", "1h", "-1s", "1e3s", "1..2s", "0x10s", " 1s",
        ] {
            assert_eq!(parse_time(bad), None, "{bad:?}");
        }
        assert!(is_prosody_number("+10%") && is_prosody_number("-2st"));
        assert!(is_prosody_number("1.5") && is_prosody_number("+3dB"));
        assert!(!is_prosody_number("10%%") && !is_prosody_number("NaN"));
        assert!(
            is_locale("en-GB") && is_locale("es-419") && !is_locale("e") && !is_locale("en_GB")
        );
    }
}
