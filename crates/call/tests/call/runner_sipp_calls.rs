//! The runner over real sockets against a SIPp UAS: the shipped audio is streamed as
//! RTP, SIPp's RFC 2833 key `1` (its `dtmf_2833_1.pcap`) restarts the reading, busy is
//! Rejected with 486, an unanswered call is cancelled at the ring timeout, and a
//! Notification speaks its TTS prompt and hangs up.

use std::time::Duration;

use crate::sipp::{FINISH, Sipp, bare_otp_spec, fixture, runner};
use tokio::sync::watch;
use voice_otp_call::{CallKind, CallSpec, ProgressFn, ResultCode};

fn spec() -> CallSpec {
    CallSpec {
        call_id: "0b7e55c2-5f0e-4d6a-9a43-5d1f0c2e7a10".to_owned(),
        ..bare_otp_spec("12", Duration::from_secs(1))
    }
}

fn no_progress() -> ProgressFn {
    Box::new(|_| {})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc2833_one_from_sipp_restarts_the_reading() {
    let mut sipp = Sipp::uas(fixture("uas_answer_dtmf_2833.xml")).start().await;
    let (runner, _sip) = runner(&sipp, 42_000).await;
    let (_tx, shutdown) = watch::channel(false);
    let outcome = tokio::time::timeout(
        Duration::from_secs(30),
        runner.run(spec(), no_progress(), shutdown),
    )
    .await
    .expect("the call ends");
    assert_eq!(outcome.result, ResultCode::Finished, "{outcome:?}");
    assert_eq!(outcome.dtmf, "1");
    assert_eq!(outcome.replays, 1);
    // The key arrives ~150 ms into the first reading, which therefore never ends; the
    // second reading plays out, and with no replays left the call hangs up.
    assert_eq!(outcome.code_read_count, 1);
    assert_eq!(outcome.sip_code, Some(200));
    let answered = outcome.answered_on.expect("answered");
    let talk = outcome.ended_on.duration_since(answered).unwrap();
    // One full reading of "12" (two spelled characters and a pause) was streamed.
    assert!(talk > Duration::from_millis(600), "{talk:?}");
    assert_eq!(sipp.finish(FINISH).await, 0, "SIPp saw our BYE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_486_is_rejected() {
    let mut sipp = Sipp::uas(fixture("uas_busy_486.xml")).start().await;
    let (runner, _sip) = runner(&sipp, 42_200).await;
    let (_tx, shutdown) = watch::channel(false);
    let outcome = tokio::time::timeout(
        Duration::from_secs(30),
        runner.run(spec(), no_progress(), shutdown),
    )
    .await
    .expect("the call ends");
    assert_eq!(outcome.result, ResultCode::Rejected);
    assert_eq!(outcome.sip_code, Some(486));
    assert_eq!(outcome.answered_on, None);
    assert_eq!(outcome.code_read_count, 0);
    assert_eq!(sipp.finish(FINISH).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ringing_without_answer_is_cancelled() {
    let mut sipp = Sipp::uas(fixture("uas_ring_no_answer.xml")).start().await;
    let (runner, _sip) = runner(&sipp, 42_400).await;
    let (_tx, shutdown) = watch::channel(false);
    let mut spec = spec();
    spec.ring_timeout = Duration::from_secs(2);
    let outcome = tokio::time::timeout(
        Duration::from_secs(30),
        runner.run(spec, no_progress(), shutdown),
    )
    .await
    .expect("the call ends");
    assert_eq!(outcome.result, ResultCode::Cancelled);
    assert_eq!(outcome.sip_code, Some(487));
    let rang = outcome.ended_on.duration_since(outcome.started_on).unwrap();
    assert!(
        rang >= Duration::from_secs(2) && rang < Duration::from_secs(4),
        "{rang:?}"
    );
    assert_eq!(sipp.finish(FINISH).await, 0, "SIPp saw our CANCEL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_plays_its_tts_prompt_and_hangs_up() {
    let mut sipp = Sipp::uas(fixture("uas_answer_bye.xml")).start().await;
    let (runner, _sip) = runner(&sipp, 42_600).await;
    let (_tx, shutdown) = watch::channel(false);
    let mut spec = spec();
    spec.kind = CallKind::Notification;
    spec.code = None;
    spec.code_prompt = Some(voice_otp_media::PromptSource::Tts(
        "Your parcel arrives tomorrow".to_owned(),
    ));
    spec.max_replays = 0;
    let outcome = tokio::time::timeout(
        Duration::from_secs(30),
        runner.run(spec, no_progress(), shutdown),
    )
    .await
    .expect("the call ends");
    assert_eq!(outcome.result, ResultCode::Finished, "{outcome:?}");
    assert_eq!(outcome.code_read_count, 1);
    assert_eq!(outcome.replays, 0);
    let talk = outcome
        .ended_on
        .duration_since(outcome.answered_on.expect("answered"))
        .unwrap();
    // espeak-ng takes more than a second to say the sentence.
    assert!(talk > Duration::from_secs(1), "{talk:?}");
    assert_eq!(sipp.finish(FINISH).await, 0, "SIPp saw our BYE");
}
