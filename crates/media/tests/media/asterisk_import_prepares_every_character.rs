//! `import_asterisk`: every character of an Asterisk sounds directory (WAV of any rate, or
//! raw sln16/sln/alaw/ulaw) becomes `<c>.wav` at 8 kHz, trimmed and at -20 dBFS RMS like
//! the shipped sets; a directory lacking characters is refused, naming each one, and
//! nothing is written.

use std::path::Path;

use voice_otp_media::{MediaError, SPELLING_CHARACTERS, TARGET_RMS_DBFS, import_asterisk, wav};

fn rms_dbfs(s: &[i16]) -> f64 {
    let ms = s.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / s.len() as f64;
    10.0 * (ms / (32768.0 * 32768.0)).log10()
}

/// `ms` of a quiet tone at `hz`, with 100 ms of silence before and after.
fn tone(rate: u32, hz: f64, ms: u32) -> Vec<i16> {
    let pad = vec![0i16; (rate / 10) as usize];
    let body = (0..rate * ms / 1000).map(|n| {
        ((2.0 * std::f64::consts::PI * hz * f64::from(n) / f64::from(rate)).sin() * 2000.0) as i16
    });
    pad.iter()
        .copied()
        .chain(body)
        .chain(pad.iter().copied())
        .collect()
}

fn write_wav(path: &Path, rate: u32, samples: &[i16]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

fn raw_le(path: &Path, samples: &[i16]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

/// An Asterisk-style directory: digits as 16 kHz WAVs, letters as 8 kHz WAVs, except
/// `q` (sln16), `r` (sln), `s` (alaw) and `t` (ulaw); phonetic words when asked.
fn asterisk_dir(root: &Path, phonetic: bool) {
    for (i, c) in SPELLING_CHARACTERS.chars().enumerate() {
        let hz = 300.0 + 20.0 * i as f64;
        if c.is_ascii_digit() {
            write_wav(
                &root.join(format!("digits/{c}.wav")),
                16_000,
                &tone(16_000, hz, 300),
            );
            continue;
        }
        let stem = root.join(format!("letters/{c}"));
        match c {
            'q' => raw_le(&stem.with_extension("sln16"), &tone(16_000, hz, 300)),
            'r' => raw_le(&stem.with_extension("sln"), &tone(8000, hz, 300)),
            's' | 't' => {
                let law = if c == 's' {
                    voice_otp_media::G711Law::Alaw
                } else {
                    voice_otp_media::G711Law::Ulaw
                };
                let lin = tone(8000, hz, 300);
                let mut enc = vec![0u8; lin.len()];
                law.encode_slice(&lin, &mut enc);
                std::fs::create_dir_all(stem.parent().unwrap()).unwrap();
                let ext = if c == 's' { "alaw" } else { "ulaw" };
                std::fs::write(stem.with_extension(ext), enc).unwrap();
            }
            _ => write_wav(&stem.with_extension("wav"), 8000, &tone(8000, hz, 300)),
        }
        if phonetic {
            let p = root.join(format!("phonetic/{c}_p.wav"));
            write_wav(&p, 8000, &tone(8000, hz, 500));
        }
    }
}

#[test]
fn every_character_is_trimmed_resampled_and_levelled() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("en_US_f_Test");
    asterisk_dir(&src, true);
    let dst = dir.path().join("voices/en-US/female");
    let set = import_asterisk(&src, &dst).unwrap();
    assert_eq!((set.characters, set.phonetic), (36, 26));
    for c in SPELLING_CHARACTERS.chars() {
        let s = wav::read_wav_file(&dst.join(format!("{c}.wav"))).unwrap();
        // 300 ms of tone at 8 kHz, the 100 ms of silence on each side cut.
        assert!((2300..=2420).contains(&s.len()), "{c}: {} samples", s.len());
        assert!(
            s[0].unsigned_abs() > 100 || s[1].unsigned_abs() > 100,
            "{c} starts quiet"
        );
        let level = rms_dbfs(&s);
        assert!(
            (level - TARGET_RMS_DBFS).abs() < 0.2,
            "{c}: {level:.2} dBFS"
        );
    }
    for c in 'a'..='z' {
        let s = wav::read_wav_file(&dst.join(format!("phonetic/{c}.wav"))).unwrap();
        assert!(
            (3900..=4020).contains(&s.len()),
            "phonetic {c}: {}",
            s.len()
        );
    }
    // A second import replaces the set in place.
    import_asterisk(&src, &dst).unwrap();
    assert!(dst.join("z.wav").is_file());
}

#[test]
fn a_source_without_phonetic_words_imports_the_characters_only() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    asterisk_dir(&src, false);
    let dst = dir.path().join("set");
    let set = import_asterisk(&src, &dst).unwrap();
    assert_eq!((set.characters, set.phonetic), (36, 0));
    assert!(!dst.join("phonetic").exists());
}

#[test]
fn missing_characters_are_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    asterisk_dir(&src, true);
    std::fs::remove_file(src.join("digits/4.wav")).unwrap();
    std::fs::remove_file(src.join("letters/q.sln16")).unwrap();
    std::fs::remove_file(src.join("phonetic/w_p.wav")).unwrap();
    let dst = dir.path().join("set");
    let e = import_asterisk(&src, &dst).unwrap_err();
    let MediaError::IncompleteSpellingSource { missing, .. } = &e else {
        panic!("{e:?}");
    };
    assert_eq!(missing, &["digits/4", "letters/q", "phonetic/w_p"]);
    let msg = e.to_string();
    assert!(
        msg.ends_with("lacks digits/4, letters/q, phonetic/w_p"),
        "{msg}"
    );
    assert!(!dst.exists());
    // A file that is not audio is an error too, again before anything is written.
    asterisk_dir(&src, true);
    std::fs::write(src.join("letters/b.wav"), b"not a wav").unwrap();
    assert!(import_asterisk(&src, &dst).is_err());
    assert!(!dst.exists());
}
