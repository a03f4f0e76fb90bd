//! `voice-otp dtmf FILE.wav` prints `<start_ms>\t<digit>` per key press and
//! nothing else on stdout, for 8 kHz files and for files it must resample.

use std::process::Command;

/// Two tones of `digit` (G.711 levels: 0 dBm0 = amplitude 22,832).
fn add_digit(buf: &mut [f64], rate: u32, start_ms: u64, len_ms: u64, digit: char) {
    let (lo, hi) = match digit {
        '1' => (697.0, 1209.0),
        '5' => (770.0, 1336.0),
        '9' => (852.0, 1477.0),
        '#' => (941.0, 1477.0),
        '0' => (941.0, 1336.0),
        'A' => (697.0, 1633.0),
        _ => unreachable!("test digits only"),
    };
    let a = 22_832.0 * 10f64.powf(-10.0 / 20.0);
    let at = (start_ms * u64::from(rate) / 1000) as usize;
    let n = (len_ms * u64::from(rate) / 1000) as usize;
    for i in 0..n {
        let t = i as f64 / f64::from(rate);
        buf[at + i] +=
            a * ((std::f64::consts::TAU * lo * t).sin() + (std::f64::consts::TAU * hi * t).sin());
    }
}

fn write_wav(path: &std::path::Path, rate: u32, buf: &[f64]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &x in buf {
        w.write_sample(x.round().clamp(-32768.0, 32767.0) as i16)
            .unwrap();
    }
    w.finalize().unwrap();
}

fn run(path: &std::path::Path) -> (String, String, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_voice-otp"))
        .arg("dtmf")
        .arg(path)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.success(),
    )
}

// Starts are multiples of 51 samples (the detector's hop, 6.375 ms) so the
// reported millisecond is exact: 1020 ms = 160 hops.
const KEYS: [(u64, u64, char); 6] = [
    (1020, 100, '1'),
    (1530, 60, '5'),
    (2040, 45, '9'),
    (2550, 200, '#'),
    (3060, 80, '0'),
    (3570, 80, 'A'),
];
const EXPECTED: &str = "1020\t1\n1530\t5\n2040\t9\n2550\t#\n3060\t0\n3570\tA\n";

#[test]
fn prints_start_and_digit_per_press_at_8_khz() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.wav");
    let mut buf = vec![0.0; 8000 * 5];
    for (start, len, d) in KEYS {
        add_digit(&mut buf, 8000, start, len, d);
    }
    write_wav(&path, 8000, &buf);
    let (stdout, stderr, ok) = run(&path);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, EXPECTED);
}

#[test]
fn resamples_other_rates() {
    let dir = tempfile::tempdir().unwrap();
    for rate in [16_000u32, 44_100, 48_000] {
        let path = dir.path().join(format!("keys_{rate}.wav"));
        let mut buf = vec![0.0; rate as usize * 5];
        for (start, len, d) in KEYS {
            add_digit(&mut buf, rate, start, len, d);
        }
        write_wav(&path, rate, &buf);
        let (stdout, stderr, ok) = run(&path);
        assert!(ok, "{rate} Hz: {stderr}");
        // The resampler's filter delay may shift a start by a hop at most.
        let lines: Vec<(u64, String)> = stdout
            .lines()
            .map(|l| {
                let (ms, d) = l.split_once('\t').expect("tab-separated");
                (ms.parse().unwrap(), d.to_string())
            })
            .collect();
        assert_eq!(lines.len(), KEYS.len(), "{rate} Hz: {stdout}");
        for ((ms, d), (start, _, key)) in lines.iter().zip(KEYS) {
            assert_eq!(d, &key.to_string(), "{rate} Hz");
            assert!(
                ms.abs_diff(start) <= 7,
                "{rate} Hz: {key} at {ms} vs {start}"
            );
        }
    }
}

#[test]
fn silence_prints_nothing_and_garbage_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("silence.wav");
    write_wav(&path, 8000, &vec![0.0; 8000]);
    let (stdout, _, ok) = run(&path);
    assert!(ok);
    assert_eq!(stdout, "");
    let bad = dir.path().join("bad.wav");
    std::fs::write(&bad, b"RIFF nonsense").unwrap();
    let (stdout, stderr, ok) = run(&bad);
    assert!(!ok);
    assert_eq!(stdout, "");
    assert!(!stderr.is_empty());
    let (_, _, ok) = run(&dir.path().join("missing.wav"));
    assert!(!ok);
}
