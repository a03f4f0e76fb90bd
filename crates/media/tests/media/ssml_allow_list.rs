//! The SSML filter: only the allow-list of elements and attributes passes, breaks are
//! bounded, and everything that makes espeak-ng do more than speak is refused with a
//! reason, before any engine runs.

use std::sync::Arc;

use voice_otp_media::{
    MediaError, PromptSource, RenderConfig, TextError, Voice, check_ssml, check_tts_text,
};

use crate::common::{Counting, renderer};

#[test]
fn ordinary_ssml_passes() {
    for ok in [
        "<speak>Your code is</speak>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<speak version=\"1.0\" \
         xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en-GB\">Hi</speak>",
        "<speak><p><s>One.</s><s>Two.</s></p></speak>",
        "<speak>Wait <break time=\"500ms\"/> and <break time=\"1.5s\"/> \
         <break strength=\"x-strong\"/><break/></speak>",
        "<speak><say-as interpret-as=\"characters\">7A3</say-as></speak>",
        "<speak><say-as interpret-as=\"date\" format=\"dmy\">1-2-2026</say-as></speak>",
        "<speak><prosody rate=\"slow\" pitch=\"+10%\" volume=\"loud\" range=\"-2st\">\
         Slowly</prosody></speak>",
        "<speak><emphasis level=\"strong\">Now</emphasis></speak>",
        "<speak><sub alias=\"World Wide Web\">WWW</sub></speak>",
        "<speak><lang xml:lang=\"nl-NL\">Hallo</lang> &amp; &lt;more&gt; &#65;</speak>",
        "<speak>Tabs\tand\r\nnewlines</speak>",
        "<speak>\u{e9}t\u{e9} \u{1f600}</speak>",
    ] {
        assert_eq!(check_ssml(ok), Ok(()), "{ok}");
    }
}

#[test]
fn what_makes_espeak_do_more_than_speak_is_refused() {
    use TextError::*;
    let element = |n: &str| Element(n.to_owned());
    let attribute = |e: &str, a: &str| Attribute {
        element: e.to_owned(),
        attribute: a.to_owned(),
    };
    let cases = [
        (
            "<speak><audio src=\"/etc/passwd\"/></speak>",
            element("audio"),
        ),
        (
            "<speak><audio src=\"/etc/passwd\">x</audio></speak>",
            element("audio"),
        ),
        ("<audio src=\"/etc/passwd\"/>", element("audio")),
        (
            "<speak xml:base=\"file:///etc/\">x</speak>",
            attribute("speak", "xml:base"),
        ),
        (
            "<speak><p xml:base=\"/\">x</p></speak>",
            attribute("p", "xml:base"),
        ),
        (
            "<!DOCTYPE speak [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><speak>&x;</speak>",
            Doctype,
        ),
        ("<!DOCTYPE speak><speak>x</speak>", Doctype),
        ("<speak>&x;</speak>", UnknownEntity("x".to_owned())),
        ("<speak><?espeak run?>x</speak>", ProcessingInstruction),
        (
            "<?xml-stylesheet href=\"a\"?><speak>x</speak>",
            ProcessingInstruction,
        ),
        ("<speak><!-- hidden -->x</speak>", Comment),
        ("<speak><![CDATA[<audio/>]]></speak>", CData),
        ("<speak><mark name=\"a\"/>x</speak>", element("mark")),
        (
            "<speak><voice name=\"x\">x</voice></speak>",
            element("voice"),
        ),
        (
            "<speak><phoneme ph=\"x\">x</phoneme></speak>",
            element("phoneme"),
        ),
        ("<speak><ssml:audio/></speak>", element("ssml:audio")),
        ("<speak><AUDIO/></speak>", element("AUDIO")),
        ("<speak><speak>x</speak></speak>", NestedSpeak),
        ("<p>x</p>", Root),
        ("text<speak>x</speak>", Root),
        ("<speak>x</speak><speak>y</speak>", Root),
        ("<speak>x</speak>tail", Root),
        ("", Root),
        ("<speak><break time=\"11s\"/></speak>", BreakTooLong),
        ("<speak><break time=\"10001ms\"/></speak>", BreakTooLong),
        ("<speak><break time=\"5s\">x</break></speak>", BreakNotEmpty),
        (
            "<speak><break time=\"5s\"><s/></break></speak>",
            BreakNotEmpty,
        ),
        (
            "<speak><break time=\"soon\"/></speak>",
            attr_value("break", "time"),
        ),
        (
            "<speak><break time=\"1s\" src=\"/x\"/></speak>",
            attribute("break", "src"),
        ),
        (
            "<speak><prosody duration=\"99s\">x</prosody></speak>",
            attribute("prosody", "duration"),
        ),
        (
            "<speak><prosody rate=\"fast; rm\">x</prosody></speak>",
            attr_value("prosody", "rate"),
        ),
        (
            "<speak xmlns=\"http://evil\">x</speak>",
            attr_value("speak", "xmlns"),
        ),
        (
            "<speak xmlns:x=\"urn:x\">x</speak>",
            attribute("speak", "xmlns:x"),
        ),
        (
            "<speak><sub alias=\"a&lt;audio/&gt;\">x</sub></speak>",
            attr_value("sub", "alias"),
        ),
        ("<speak>\u{1}</speak>", ControlCharacter),
        ("<speak>&#1;</speak>", ControlCharacter),
        ("<speak>&#x7f;</speak>", ControlCharacter),
        (
            "<speak><sub alias=\"&#27;[0m\">x</sub></speak>",
            ControlCharacter,
        ),
        ("<?xml version=\"1.1\"?><speak>x</speak>", Declaration),
        ("<speak>x</speak><?xml version=\"1.0\"?>", Declaration),
    ];
    for (ssml, want) in cases {
        assert_eq!(check_ssml(ssml), Err(want), "{ssml}");
    }
}

fn attr_value(element: &str, attribute: &str) -> TextError {
    TextError::AttributeValue {
        element: element.to_owned(),
        attribute: attribute.to_owned(),
    }
}

#[test]
fn breaks_add_up_to_at_most_60_seconds() {
    let breaks = |n: usize, each: &str| {
        format!(
            "<speak>{}</speak>",
            format!("a <break time=\"{each}\"/> ").repeat(n)
        )
    };
    assert_eq!(check_ssml(&breaks(6, "10s")), Ok(()));
    assert_eq!(check_ssml(&breaks(7, "10s")), Err(TextError::BreaksTooLong));
    assert_eq!(check_ssml(&breaks(120, "500ms")), Ok(()));
    assert_eq!(
        check_ssml(&breaks(121, "500ms")),
        Err(TextError::BreaksTooLong)
    );
    // A break without a time counts as 1 s.
    let bare = format!("<speak>{}</speak>", "a <break/> ".repeat(61));
    assert_eq!(check_ssml(&bare), Err(TextError::BreaksTooLong));
}

#[test]
fn broken_xml_and_deep_nesting_are_errors_not_panics() {
    for bad in [
        "<speak>",
        "<speak><p></speak>",
        "<speak version=\"1.0\" version=\"1.0\">x</speak>",
        "<speak",
    ] {
        assert!(
            matches!(check_ssml(bad), Err(TextError::NotWellFormed(_))),
            "{bad}: {:?}",
            check_ssml(bad)
        );
    }
    let deep = format!("<speak>{}x{}</speak>", "<s>".repeat(15), "</s>".repeat(15));
    assert_eq!(check_ssml(&deep), Ok(()));
    let deeper = format!("<speak>{}x{}</speak>", "<s>".repeat(16), "</s>".repeat(16));
    assert_eq!(check_ssml(&deeper), Err(TextError::TooDeep));
}

#[test]
fn plain_text_may_not_hold_control_characters() {
    assert_eq!(check_tts_text("Your code is\tnext\r\n"), Ok(()));
    for bad in ["a\u{0}b", "\u{1b}[31m", "a\u{7f}", "\u{8}"] {
        assert_eq!(
            check_tts_text(bad),
            Err(TextError::ControlCharacter),
            "{bad:?}"
        );
    }
}

#[test]
fn the_renderer_refuses_before_the_engine_runs() {
    let tts = Arc::new(Counting::new());
    let (_d, r) = renderer(tts.clone(), RenderConfig::default());
    let v = Voice::default();
    let audio = PromptSource::Ssml("<speak><audio src=\"/etc/passwd\"/></speak>".into());
    assert!(matches!(
        r.render_prompt(&audio, &v),
        Err(MediaError::PromptText(TextError::Element(_)))
    ));
    assert!(matches!(
        r.validate_prompt(&audio, &v),
        Err(MediaError::PromptText(TextError::Element(_)))
    ));
    let control = PromptSource::Tts("bell\u{7}".into());
    assert!(matches!(
        r.render_prompt(&control, &v),
        Err(MediaError::PromptText(TextError::ControlCharacter))
    ));
    assert_eq!(tts.calls(), 0);
}
