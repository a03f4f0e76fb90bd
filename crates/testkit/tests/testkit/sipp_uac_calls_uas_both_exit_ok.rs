//! A SIPp UAC (remote target, `-key`, fixed media port) places one call to a SIPp UAS
//! started by the same helper; both exit 0, the UAS's message trace shows the INVITE with
//! the keyed header and the BYE, and a shared log directory keeps both runs' logs apart.
use std::time::Duration;

use voice_otp_testkit::repo_root;
use voice_otp_testkit::sipp::{Sipp, fixture, free_udp_port};

#[tokio::test]
async fn uac_call_to_uas_runs_both_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let mut uas = Sipp::uas(fixture("uas_answer_bye.xml"))
        .dir(dir.path())
        .timeout(Duration::from_secs(20))
        .start()
        .await;
    let media = free_udp_port() & !1;
    let mut uac = Sipp::uac(
        repo_root().join("fixtures/testkit/uac_call_then_bye.xml"),
        uas.addr(),
    )
    .dir(dir.path())
    .media_port(media)
    .key("marker", "testkit-7f3a")
    .timeout(Duration::from_secs(20))
    .start()
    .await;
    assert_eq!(uac.media_port(), media);
    assert_eq!(uac.log_dir(), dir.path());

    uac.assert_ok(Duration::from_secs(25)).await;
    uas.assert_ok(Duration::from_secs(25)).await;

    let seen = uas.messages();
    assert!(seen.contains("X-Testkit-Marker: testkit-7f3a"), "{seen}");
    assert!(seen.contains("BYE sip:callee@"), "{seen}");
    assert!(uas.errors().is_empty(), "{}", uas.errors());
    // Each run's trace sits next to the other's, named after its own SIP port.
    let trace = |port: u16| dir.path().join(format!("sipp-{port}-messages.log"));
    assert!(trace(uas.addr().port()).exists());
    assert!(trace(uac.addr().port()).exists());
    assert!(uac.messages().contains("SIP/2.0 200 OK"));
}
