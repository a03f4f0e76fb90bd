//! A reading is the code prompt, a prompt gap, then the characters with ~300 ms between
//! them and a longer pause after every group of 3 in codes of 6+ characters (all
//! configurable), optionally the last group once more after a group pause; its G.711 frames are encoded once and handed out as zero-copy slices.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use voice_otp_media::wav::encode_wav;
use voice_otp_media::{
    AudioRoot, CodeType, EspeakNg, G711Law, PromptSource, RenderConfig, Renderer, Voice,
    volume_gain,
};

/// Character `c`'s file: 100 + 10 * index samples of the constant value 100 * (index + 1),
/// so every piece is recognisable and has its own length.
fn piece(c: char) -> Vec<i16> {
    let i = c.to_digit(36).unwrap() as i16;
    vec![100 * (i + 1); 100 + 10 * i as usize]
}

fn write(p: &Path, s: &[i16]) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, encode_wav(s)).unwrap();
}

fn setup(config: RenderConfig) -> (tempfile::TempDir, Renderer) {
    let dir = tempfile::tempdir().unwrap();
    let defaults = dir.path().join("defaults");
    for c in ('0'..='9').chain('a'..='z') {
        write(&defaults.join(format!("spelling/en-GB/{c}.wav")), &piece(c));
    }
    write(&defaults.join("prompts/en-GB/code.wav"), &[-5; 333]);
    let user = dir.path().join("user");
    write(&user.join("prompts/mine.wav"), &[7; 250]);
    let root = AudioRoot::new(Some(user), defaults);
    (dir, Renderer::new(root, Arc::new(EspeakNg::new()), config))
}

/// The expected code samples for `code` with the given gaps (in samples).
fn expected(
    code: &str,
    char_gap: usize,
    group_gap: usize,
    group: usize,
    min_len: usize,
) -> Vec<i16> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        out.extend(piece(c.to_ascii_lowercase()));
        if i + 1 < chars.len() {
            let g = if chars.len() >= min_len && (i + 1) % group == 0 {
                group_gap
            } else {
                char_gap
            };
            out.extend(vec![0; g]);
        }
    }
    out
}

#[test]
fn six_characters_get_a_group_pause_after_three() {
    let (_d, r) = setup(RenderConfig::default());
    let code = r
        .render_code("123456", CodeType::Default, &Voice::default())
        .unwrap();
    assert_eq!(code.samples(), &expected("123456", 2400, 6400, 3, 6)[..]);
    // Seven: groups 3 + 3 + 1.
    let code = r
        .render_code("ABC1234", CodeType::Default, &Voice::default())
        .unwrap();
    assert_eq!(code.samples(), &expected("abc1234", 2400, 6400, 3, 6)[..]);
}

#[test]
fn shorter_codes_only_get_character_pauses() {
    let (_d, r) = setup(RenderConfig::default());
    let code = r
        .render_code("7a3b5", CodeType::Default, &Voice::default())
        .unwrap();
    assert_eq!(code.samples(), &expected("7a3b5", 2400, 6400, 3, 6)[..]);
    let one = r
        .render_code("9", CodeType::Default, &Voice::default())
        .unwrap();
    assert_eq!(one.samples(), &piece('9')[..]);
}

#[test]
fn pauses_are_configurable() {
    let config = RenderConfig {
        char_gap: Duration::from_millis(100),
        group_gap: Duration::from_millis(1000),
        group_size: 2,
        group_min_len: 4,
        ..RenderConfig::default()
    };
    let (_d, r) = setup(config);
    let code = r
        .render_code("1234", CodeType::Default, &Voice::default())
        .unwrap();
    assert_eq!(code.samples(), &expected("1234", 800, 8000, 2, 4)[..]);
}

/// `parts` in order, each character's piece followed by the silence (in samples) after it.
fn joined(parts: &[(char, usize)]) -> Vec<i16> {
    let mut out = Vec::new();
    for &(c, gap) in parts {
        out.extend(piece(c));
        out.extend(vec![0; gap]);
    }
    out
}

#[test]
fn the_last_group_is_read_again_after_a_group_pause() {
    let config = RenderConfig {
        repeat_last_group: true,
        ..RenderConfig::default()
    };
    let (_d, r) = setup(config);
    let voice = Voice::default();
    let (c, g) = (2400, 6400);
    let six = r.render_code("48a913", CodeType::Default, &voice).unwrap();
    let want = joined(&[
        ('4', c),
        ('8', c),
        ('a', g),
        ('9', c),
        ('1', c),
        ('3', g),
        ('9', c),
        ('1', c),
        ('3', 0),
    ]);
    assert_eq!(six.samples(), &want[..]);
    // Eight characters are read 3 + 3 + 2: the group heard last is the 2.
    let eight = r
        .render_code("12345678", CodeType::Default, &voice)
        .unwrap();
    let mut want = expected("12345678", c, g, 3, 6);
    want.extend(vec![0; g]);
    want.extend(joined(&[('7', c), ('8', 0)]));
    assert_eq!(eight.samples(), &want[..]);
    // Too short to be grouped: read once, as without the option.
    let five = r.render_code("7a3b5", CodeType::Default, &voice).unwrap();
    assert_eq!(five.samples(), &expected("7a3b5", c, g, 3, 6)[..]);
}

#[test]
fn a_reading_is_code_prompt_gap_and_code() {
    let (_d, r) = setup(RenderConfig::default());
    let voice = Voice::default();
    let reading = r
        .render_reading(None, "42", CodeType::Default, &voice)
        .unwrap();
    let mut want = vec![-5; 333];
    want.extend(vec![0; 3200]);
    want.extend(expected("42", 2400, 6400, 3, 6));
    assert_eq!(reading.samples(), &want[..]);
    let mine = PromptSource::File("/prompts/mine.wav".into());
    let reading = r
        .render_reading(Some(&mine), "42", CodeType::Default, &voice)
        .unwrap();
    assert_eq!(&reading.samples()[..250], &[7; 250][..]);
    assert_eq!(
        reading.samples().len(),
        250 + 3200 + expected("42", 2400, 6400, 3, 6).len()
    );
}

#[test]
fn volume_is_a_3_db_step_gain() {
    let (_d, r) = setup(RenderConfig::default());
    let loud = Voice {
        volume: 4,
        ..Voice::default()
    };
    let quiet = Voice {
        volume: -2,
        ..Voice::default()
    };
    let base = r
        .render_code("5", CodeType::Default, &Voice::default())
        .unwrap();
    let l = r.render_code("5", CodeType::Default, &loud).unwrap();
    let q = r.render_code("5", CodeType::Default, &quiet).unwrap();
    assert!((volume_gain(4) - 10f32.powf(12.0 / 20.0)).abs() < 1e-4);
    assert_eq!(
        l.samples()[0],
        (f32::from(base.samples()[0]) * volume_gain(4)).round() as i16
    );
    assert_eq!(
        q.samples()[0],
        (f32::from(base.samples()[0]) * volume_gain(-2)).round() as i16
    );
}

#[test]
fn frames_are_encoded_once_and_shared() {
    let (_d, r) = setup(RenderConfig::default());
    let a = r
        .render_code("1", CodeType::Default, &Voice::default())
        .unwrap();
    // 110 samples: one frame, padded with silence.
    assert_eq!(a.samples().len(), 110);
    assert_eq!(a.frame_count(), 1);
    assert_eq!(a.duration(), Duration::from_micros(13_750));
    for law in G711Law::ALL {
        let f = a.g711_frame(law, 0);
        assert_eq!(f.len(), 160);
        for (i, &c) in f.iter().enumerate() {
            let want = if i < 110 {
                law.encode(a.samples()[i])
            } else {
                law.silence()
            };
            assert_eq!(c, want);
        }
    }
    let b = r
        .render_code("123456", CodeType::Default, &Voice::default())
        .unwrap();
    assert_eq!(b.frame_count(), b.samples().len().div_ceil(160));
    for law in G711Law::ALL {
        let all = b.g711(law);
        for i in 0..b.frame_count() {
            let f = b.g711_frame(law, i);
            // Zero-copy: the frame points into the one buffer of this law.
            assert_eq!(f.as_ptr() as usize, all.as_ptr() as usize + i * 160);
        }
    }
}

#[test]
fn silence_frames_decode_to_zero_and_everything_is_shareable() {
    for law in G711Law::ALL {
        let f = law.silence_frame();
        assert_eq!(f.len(), 160);
        assert!(f.iter().all(|&c| law.decode(c).unsigned_abs() <= 8));
    }
    fn shareable<T: Send + Sync + Clone>() {}
    fn send_sync<T: Send + Sync>() {}
    shareable::<Renderer>();
    send_sync::<voice_otp_media::RenderedAudio>();
}

#[test]
fn invalid_codes_are_refused() {
    let (_d, r) = setup(RenderConfig::default());
    assert!(
        r.render_code("", CodeType::Default, &Voice::default())
            .is_err()
    );
    let e = r
        .render_code("12-4", CodeType::Default, &Voice::default())
        .unwrap_err();
    // The error does not repeat the code.
    assert!(!e.to_string().contains("12-4"));
    assert!(
        r.validate_code("12é", CodeType::Default, &Voice::default())
            .is_err()
    );
    let e = r
        .validate_code("1a", CodeType::Custom, &Voice::default())
        .unwrap_err();
    assert_eq!(e.to_string(), "missing spelling file /spelling/en-GB/1.wav");
}

#[test]
fn tts_code_type_speaks_each_character() {
    let (_d, r) = setup(RenderConfig::default());
    let code = r
        .render_code("12", CodeType::Tts, &Voice::default())
        .unwrap();
    let s = code.samples();
    // Two spoken pieces with a 300 ms silence between them.
    let zero_run = s.windows(2400).position(|w| w.iter().all(|&v| v == 0));
    assert!(
        zero_run.is_some_and(|p| p > 800 && p + 2400 < s.len() - 800),
        "len {}",
        s.len()
    );
}
