//! The audio store: uploads of any supported WAV are stored as 8 kHz mono 16-bit (201);
//! path rules, size limit and bad WAVs are refused with the reason; list/download/delete;
//! uploaded files satisfy `File` prompts and `Custom` spelling, whose missing characters
//! are named.

use crate::common::*;
use serde_json::{Value, json};

/// A 16-bit PCM WAV (`channels` interleaved) of a 440 Hz tone.
fn wav(rate: u32, channels: u16, seconds: f32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
        let n = (rate as f32 * seconds) as usize;
        for i in 0..n {
            let s =
                (f32::sin(i as f32 * 440.0 * std::f32::consts::TAU / rate as f32) * 8000.0) as i16;
            for _ in 0..channels {
                w.write_sample(s).unwrap();
            }
        }
        w.finalize().unwrap();
    }
    cursor.into_inner()
}

async fn put(d: &TestDaemon, path: &str, body: Vec<u8>, ct: &str) -> (u16, Value) {
    let resp = d
        .client
        .put(d.url(&format!("/v1/audio{path}")))
        .header("X-CM-PRODUCTTOKEN", TOKEN)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn uploads_are_converted_listed_served_and_deleted() {
    let env = Env::new();
    let d = TestDaemon::start(env.config(), ScriptedExecutor::finished()).await;

    let (status, resp) = put(&d, "/prompts/welcome.wav", wav(16000, 2, 0.5), "audio/wav").await;
    assert_eq!(status, 201, "{resp}");
    assert_eq!(resp["path"], "/prompts/welcome.wav");
    assert_eq!(resp["samples"], 4000);

    let stored = env.path().join("audio/prompts/welcome.wav");
    let r = hound::WavReader::open(&stored).unwrap();
    let spec = r.spec();
    assert_eq!(
        (spec.sample_rate, spec.channels, spec.bits_per_sample),
        (8000, 1, 16)
    );
    assert_eq!(r.len(), 4000);

    // 48 kHz mono 16-bit, and a locale directory for Custom spelling.
    let (status, _) = put(
        &d,
        "/spelling/en-GB/4.wav",
        wav(48000, 1, 0.2),
        "audio/x-wav",
    )
    .await;
    assert_eq!(status, 201);

    let (status, list) = d.get("/v1/audio").await;
    assert_eq!(status, 200);
    let paths: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/prompts/welcome.wav", "/spelling/en-GB/4.wav"]);

    let resp = d
        .client
        .get(d.url("/v1/audio/prompts/welcome.wav"))
        .header("X-CM-PRODUCTTOKEN", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "audio/wav");
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), std::fs::read(&stored).unwrap().as_slice());

    let resp = d
        .client
        .delete(d.url("/v1/audio/prompts/welcome.wav"))
        .header("X-CM-PRODUCTTOKEN", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(!stored.exists());
    let (status, _) = d.get("/v1/audio/prompts/welcome.wav").await;
    assert_eq!(status, 404);
    let resp = d
        .client
        .delete(d.url("/v1/audio/prompts/welcome.wav"))
        .header("X-CM-PRODUCTTOKEN", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn bad_paths_bad_wavs_and_huge_uploads_are_refused() {
    let env = Env::new();
    let d = TestDaemon::start(env.config(), ScriptedExecutor::finished()).await;
    for path in [
        "/prompts/Welcome.wav",
        "/prompts/wel come.wav",
        "/prompts/.hidden.wav",
        "/prompts/welcome.mp3",
        "/prompts//x.wav",
        "/a/b/c/d/e/f/g/h/i.wav",
        "/spelling/en-GB/Q.wav",
    ] {
        let (status, resp) = put(&d, path, wav(8000, 1, 0.1), "audio/wav").await;
        assert_eq!(status, 400, "{path}: {resp}");
        assert!(resp["errors"][0]["message"].as_str().unwrap().len() > 5);
    }
    // HTTP clients resolve `..` themselves; a raw request keeps it and is refused.
    for raw in [
        "/v1/audio/prompts/../x.wav",
        "/v1/audio/prompts/%2e%2e/x.wav",
        "/v1/audio/../../etc/x.wav",
    ] {
        assert_eq!(raw_put(&d, raw, &wav(8000, 1, 0.1)).await, 400, "{raw}");
    }
    assert!(!env.path().join("audio/x.wav").exists());

    let (status, resp) = put(
        &d,
        "/prompts/x.wav",
        b"RIFF....not a wav".to_vec(),
        "audio/wav",
    )
    .await;
    assert_eq!(status, 400, "{resp}");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("WAV")
    );
    let (status, _) = put(&d, "/prompts/x.wav", Vec::new(), "audio/wav").await;
    assert_eq!(status, 400);
    let (status, _) = put(&d, "/prompts/x.wav", wav(8000, 1, 0.1), "text/plain").await;
    assert_eq!(status, 415);

    let mut huge = wav(8000, 1, 0.1);
    huge.resize(10 * 1024 * 1024 + 1, 0);
    let (status, _) = put(&d, "/prompts/x.wav", huge, "audio/wav").await;
    assert_eq!(status, 413);
    assert!(!env.path().join("audio/prompts/x.wav").exists());
    let (_, list) = d.get("/v1/audio").await;
    assert_eq!(list, json!([]));
    d.daemon.shutdown().await.unwrap();
}

#[tokio::test]
async fn prompts_and_custom_spelling_come_from_the_store() {
    let env = Env::new();
    let exec = ScriptedExecutor::finished();
    let d = TestDaemon::start(env.config(), exec.clone()).await;
    let mut body = otp_body();
    body["code"] = json!("4q2");
    body["code-type"] = json!("Custom");
    body["intro-prompt"] = json!("/prompts/hello.wav");
    body["intro-prompt-type"] = json!("File");

    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 400);
    let errors = resp["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| {
        e["field"] == "intro-prompt"
            && e["message"]
                .as_str()
                .unwrap()
                .contains("/prompts/hello.wav")
    }));
    assert!(errors.iter().any(|e| e["field"] == "code-type"
        && e["message"] == "missing spelling file /spelling/en-GB/4.wav"));

    assert_eq!(
        put(&d, "/prompts/hello.wav", wav(8000, 1, 0.1), "audio/wav")
            .await
            .0,
        201
    );
    for c in ["4", "2"] {
        let (s, _) = put(
            &d,
            &format!("/spelling/en-GB/{c}.wav"),
            wav(8000, 1, 0.1),
            "audio/wav",
        )
        .await;
        assert_eq!(s, 201);
    }
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 400);
    assert_eq!(
        resp["errors"][0]["message"],
        "missing spelling file /spelling/en-GB/q.wav"
    );
    assert_eq!(resp["errors"].as_array().unwrap().len(), 1);

    // Upper-case code characters use the lower-case file.
    put(&d, "/spelling/en-GB/q.wav", wav(8000, 1, 0.1), "audio/wav").await;
    body["code"] = json!("4Q2");
    let (status, resp) = d.otp(&body).await;
    assert_eq!(status, 200, "{resp}");
    d.wait_ended(resp["call-id"].as_str().unwrap()).await;
    assert!(exec.specs().len() == 1);
    d.daemon.shutdown().await.unwrap();
}

/// PUT over a raw socket, so the path reaches the server exactly as written.
async fn raw_put(d: &TestDaemon, path: &str, body: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(d.daemon.local_addr())
        .await
        .unwrap();
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: x\r\nX-CM-PRODUCTTOKEN: {TOKEN}\r\nContent-Type: audio/wav\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    sock.write_all(body).await.unwrap();
    let mut resp = Vec::new();
    sock.read_to_end(&mut resp).await.unwrap();
    let text = String::from_utf8_lossy(&resp);
    text.split_whitespace().nth(1).unwrap().parse().unwrap()
}
