//! At TRACE level, across every crate a real call goes through (renderer, SIP endpoint,
//! RTP engine, runner), the OTP code never appears in a log line; neither does the
//! detail of a code that cannot be rendered (it would name a character's file).

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::sipp::{FINISH, Sipp, bare_otp_spec, fixture, runner};
use tokio::sync::watch;
use voice_otp_call::{CallSpec, ResultCode};
use voice_otp_media::{CodeType, PromptSource};

const CODE: &str = "Q7Z4X9";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn spec(code_type: CodeType) -> CallSpec {
    CallSpec {
        call_id: "5a0d3f8e-1c2b-4e7a-9f00-4b6c8d2e1a33".to_owned(),
        instruction_id: Some("log-check".to_owned()),
        code_prompt: Some(PromptSource::Tts("Your code is".to_owned())),
        code_type,
        ..bare_otp_spec(CODE, Duration::from_millis(500))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_traced_call_never_logs_the_code() {
    let captured = Captured::default();
    let sink = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .init();

    // A real call: SIPp answers, presses 1, we read the code again and hang up.
    let mut sipp = Sipp::uas(fixture("uas_answer_dtmf_2833.xml")).start().await;
    let (runner, _sip) = runner(&sipp, 43_000).await;
    let (_tx, shutdown) = watch::channel(false);
    let outcome = tokio::time::timeout(
        Duration::from_secs(40),
        runner.run(spec(CodeType::Default), Box::new(|_| {}), shutdown.clone()),
    )
    .await
    .expect("the call ends");
    assert_eq!(outcome.result, ResultCode::Finished);
    assert_eq!(sipp.finish(FINISH).await, 0);

    // A Custom code whose spelling files do not exist: the render fails, nothing is
    // dialled, and the error names no character.
    let outcome = runner
        .run(spec(CodeType::Custom), Box::new(|_| {}), shutdown)
        .await;
    assert_eq!(outcome.result, ResultCode::Failed);
    assert_eq!(outcome.sip_code, None);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("call_id=5a0d3f8e"),
        "calls are traced in a span"
    );
    assert!(
        logs.contains("segment=Code"),
        "runner debug lines were captured"
    );
    assert!(logs.contains("the code could not be rendered"), "{logs}");
    let lower = logs.to_lowercase();
    assert!(
        !lower.contains(&CODE.to_lowercase()),
        "the code leaked into the logs"
    );
    for ch in CODE.chars() {
        let file = format!("/{}.wav", ch.to_ascii_lowercase());
        assert!(
            !lower.contains(&file),
            "a spelling file of the code leaked: {file}"
        );
    }
}
