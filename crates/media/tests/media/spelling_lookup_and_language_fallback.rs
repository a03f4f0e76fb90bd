//! The audio root: user store over shipped defaults; spelling files found whatever the
//! letter case; Default falls back across languages, Custom never does and names the
//! missing file; store paths cannot leave the store.

use std::path::{Path, PathBuf};

use voice_otp_media::{AudioRoot, DefaultPrompt, Gender, LetterStyle, MediaError};

fn touch(p: &Path) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, voice_otp_media::wav::encode_wav(&[0; 8])).unwrap();
}

/// defaults: spelling/{en-GB,fr-FR,nl}/{a,7}.wav and prompts/en-GB/code.wav.
fn setup() -> (tempfile::TempDir, AudioRoot) {
    let dir = tempfile::tempdir().unwrap();
    let defaults = dir.path().join("defaults");
    for lang in ["en-GB", "fr-FR", "nl"] {
        touch(&defaults.join(format!("spelling/{lang}/a.wav")));
        touch(&defaults.join(format!("spelling/{lang}/7.wav")));
    }
    touch(&defaults.join("prompts/en-GB/code.wav"));
    touch(&defaults.join("prompts/welcome.wav"));
    let user = dir.path().join("user");
    touch(&user.join("spelling/en-GB/A.WAV"));
    touch(&user.join("prompts/welcome.wav"));
    touch(&user.join("prompts/mine.wav"));
    let root = AudioRoot::new(Some(user), defaults);
    (dir, root)
}

fn rel(root: &AudioRoot, p: PathBuf) -> String {
    let base = root.defaults_dir().parent().unwrap();
    p.strip_prefix(base).unwrap().to_string_lossy().into_owned()
}

#[test]
fn default_spelling_is_case_insensitive_with_language_fallback() {
    let (_d, root) = setup();
    let got = |lang: &str, ch: char| rel(&root, root.default_spelling(lang, ch).unwrap());
    assert_eq!(got("en-GB", 'A'), "defaults/spelling/en-GB/a.wav");
    assert_eq!(got("en-gb", 'a'), "defaults/spelling/en-GB/a.wav");
    // Another region of a shipped language uses that language.
    assert_eq!(got("fr-CA", '7'), "defaults/spelling/fr-FR/7.wav");
    // The primary subtag directory wins over the fallback.
    assert_eq!(got("nl-BE", 'a'), "defaults/spelling/nl/a.wav");
    // Nothing close: en-GB.
    assert_eq!(got("ja-JP", 'a'), "defaults/spelling/en-GB/a.wav");
    assert_eq!(root.spelling_language("en-AU"), "en-GB");
    // A character missing from the shipped set names the file.
    let e = root.default_spelling("en-GB", 'q').unwrap_err();
    assert_eq!(e.to_string(), "missing spelling file /spelling/en-GB/q.wav");
    assert!(matches!(
        root.default_spelling("en-GB", '#'),
        Err(MediaError::InvalidCodeCharacter)
    ));
}

#[test]
fn custom_spelling_uses_only_the_user_store() {
    let (_d, root) = setup();
    // A.WAV found for 'a' and 'A'.
    assert_eq!(
        rel(&root, root.custom_spelling("en-GB", 'a').unwrap()),
        "user/spelling/en-GB/A.WAV"
    );
    assert_eq!(
        rel(&root, root.custom_spelling("en-GB", 'A').unwrap()),
        "user/spelling/en-GB/A.WAV"
    );
    // '7' exists only in the defaults: Custom does not fall back to them.
    let e = root.custom_spelling("en-GB", '7').unwrap_err();
    assert_eq!(e.to_string(), "missing spelling file /spelling/en-GB/7.wav");
    // Nor to another language.
    let e = root.custom_spelling("en-US", 'a').unwrap_err();
    assert_eq!(e.to_string(), "missing spelling file /spelling/en-US/a.wav");
    // No user store at all.
    let bare = AudioRoot::new(None, root.defaults_dir().to_owned());
    assert!(matches!(
        bare.custom_spelling("en-GB", 'a'),
        Err(MediaError::MissingSpelling(_))
    ));
    // A language that is not a path segment.
    assert!(root.custom_spelling("../x", 'a').is_err());
}

#[test]
fn file_prompts_resolve_user_first_then_defaults() {
    let (_d, root) = setup();
    assert_eq!(
        rel(&root, root.resolve("/prompts/welcome.wav").unwrap()),
        "user/prompts/welcome.wav"
    );
    assert_eq!(
        rel(&root, root.resolve("/prompts/mine.wav").unwrap()),
        "user/prompts/mine.wav"
    );
    assert_eq!(
        rel(&root, root.resolve("/prompts/en-GB/code.wav").unwrap()),
        "defaults/prompts/en-GB/code.wav"
    );
    assert!(root.check_prompt("/prompts/welcome.wav").is_ok());
    let e = root.check_prompt("/prompts/none.wav").unwrap_err();
    assert_eq!(
        e.to_string(),
        "prompt file /prompts/none.wav does not exist"
    );
    // A directory is not a prompt.
    assert!(matches!(
        root.check_prompt("/prompts"),
        Err(MediaError::PromptNotFound(_))
    ));
    assert_eq!(
        rel(
            &root,
            root.default_prompt("en-US", DefaultPrompt::Code).unwrap()
        ),
        "defaults/prompts/en-GB/code.wav"
    );
}

#[test]
fn store_paths_cannot_escape() {
    let (_d, root) = setup();
    for bad in [
        "prompts/welcome.wav",
        "/../user/prompts/mine.wav",
        "/prompts/../../x.wav",
        "/",
        "",
        "/a\\b.wav",
        "/./prompts/mine.wav",
        "/a\0b",
    ] {
        assert!(
            matches!(root.resolve(bad), Err(MediaError::InvalidAudioPath(_))),
            "{bad:?}"
        );
    }
}

/// Recorded sets: en-US/female, it-IT/male; the synthesised en-GB, fr-FR and nl sets.
fn setup_recorded() -> (tempfile::TempDir, AudioRoot) {
    let (dir, root) = setup();
    let rec = dir.path().join("recorded");
    for set in ["en-US/female", "it-IT/male"] {
        touch(&rec.join(format!("{set}/a.wav")));
        touch(&rec.join(format!("{set}/7.wav")));
        touch(&rec.join(format!("{set}/phonetic/a.wav")));
    }
    let root = root.with_recorded(Some(rec));
    (dir, root)
}

#[test]
fn recorded_sets_read_their_language_in_every_region_and_gender() {
    let (_d, root) = setup_recorded();
    let files = |lang: &str, gender: Gender, style: LetterStyle, ch: char| -> Vec<String> {
        root.spelling_files(lang, gender, Some(style), ch)
            .unwrap()
            .into_iter()
            .map(|p| rel(&root, p))
            .collect()
    };
    let name = LetterStyle::Name;
    assert_eq!(
        files("en-US", Gender::Female, name, 'A'),
        ["recorded/en-US/female/a.wav"]
    );
    // Another region of English, and a male voice: still the human recording, which is
    // clearer than the synthetic set of the asked-for gender.
    assert_eq!(
        files("en-GB", Gender::Male, name, '7'),
        ["recorded/en-US/female/7.wav"]
    );
    assert_eq!(
        files("it-IT", Gender::Female, name, 'a'),
        ["recorded/it-IT/male/a.wav"]
    );
    // No recording of French: the synthesised set, regional fallback included.
    assert_eq!(
        files("fr-CA", Gender::Female, name, '7'),
        ["defaults/spelling/fr-FR/7.wav"]
    );
    // Phonetic letters add the spelling-alphabet word of the same set; digits do not.
    assert_eq!(
        files("en-AU", Gender::Female, LetterStyle::Phonetic, 'a'),
        [
            "recorded/en-US/female/a.wav",
            "recorded/en-US/female/phonetic/a.wav"
        ]
    );
    assert_eq!(
        files("en-AU", Gender::Female, LetterStyle::Phonetic, '7'),
        ["recorded/en-US/female/7.wav"]
    );
    // A character the chosen set lacks names the set's file, never another language's.
    let e = root
        .spelling_files("en-US", Gender::Female, Some(name), 'q')
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "missing spelling file /recorded/en-US/female/q.wav"
    );
    let e = root
        .spelling_files("fr-FR", Gender::Female, Some(LetterStyle::Phonetic), 'a')
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "missing spelling file /spelling/fr-FR/phonetic/a.wav"
    );
}

#[test]
fn without_a_style_each_set_reads_letters_as_it_reads_best() {
    let (d, root) = setup_recorded();
    let files = |lang: &str, ch: char| -> Vec<String> {
        root.spelling_files(lang, Gender::Female, None, ch)
            .unwrap()
            .into_iter()
            .map(|p| rel(&root, p))
            .collect()
    };
    // A recorded set with its spelling-alphabet words: phonetic letters, plain digits.
    assert_eq!(
        files("en-US", 'a'),
        [
            "recorded/en-US/female/a.wav",
            "recorded/en-US/female/phonetic/a.wav"
        ]
    );
    assert_eq!(files("en-US", '7'), ["recorded/en-US/female/7.wav"]);
    // A synthesised set: letter names.
    assert_eq!(files("fr-FR", 'a'), ["defaults/spelling/fr-FR/a.wav"]);
    // A recorded set imported without words reads names rather than failing.
    std::fs::remove_dir_all(d.path().join("recorded/it-IT/male/phonetic")).unwrap();
    assert_eq!(files("it-IT", 'a'), ["recorded/it-IT/male/a.wav"]);
}

#[test]
fn a_gender_with_its_own_recording_gets_it() {
    let (d, root) = setup_recorded();
    touch(&d.path().join("recorded/en-US/male/a.wav"));
    let pick = |g| {
        rel(
            &root,
            root.spelling_files("en-US", g, Some(LetterStyle::Name), 'a')
                .unwrap()[0]
                .clone(),
        )
    };
    assert_eq!(pick(Gender::Male), "recorded/en-US/male/a.wav");
    assert_eq!(pick(Gender::Female), "recorded/en-US/female/a.wav");
}

#[test]
fn a_shipped_prefixed_path_reads_only_the_shipped_file() {
    let (_d, root) = setup();
    // The user's upload shadows the shipped welcome.wav for the plain path...
    assert_eq!(
        rel(&root, root.resolve("/prompts/welcome.wav").unwrap()),
        "user/prompts/welcome.wav"
    );
    // ...never for the shipped-only one.
    let shipped = format!("{}prompts/welcome.wav", voice_otp_media::SHIPPED_PREFIX);
    assert_eq!(
        rel(&root, root.resolve(&shipped).unwrap()),
        "defaults/prompts/welcome.wav"
    );
    // An upload that exists only in the user store is not shipped.
    let mine = format!("{}prompts/mine.wav", voice_otp_media::SHIPPED_PREFIX);
    assert!(matches!(
        root.resolve(&mine),
        Err(MediaError::PromptNotFound(_))
    ));
    // And the prefix cannot climb out of the shipped directory.
    let climb = format!(
        "{}../user/prompts/mine.wav",
        voice_otp_media::SHIPPED_PREFIX
    );
    assert!(root.resolve(&climb).is_err());
}
