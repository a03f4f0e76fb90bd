//! SIPp checks our caller-ID headers with `ereg check_it`: shown number, and hidden number
//! (RFC 3323 Privacy: id, anonymous From, real number in P-Asserted-Identity).
use crate::sipp_support::*;
use voice_otp_sip::{EndReason, SipEvent, Transport};

async fn run(scenario: &str, anonymous: bool, port: u16) {
    let mut sipp = uas(scenario, Transport::Udp).start().await;
    let ep = endpoint(&sipp, Transport::Udp, "", "").await;
    let (key, mut rx) = ep.dial(call_request(anonymous, port)).await.unwrap();
    assert!(matches!(
        next_final(&mut rx).await,
        SipEvent::Answered { .. }
    ));
    ep.hangup(key).unwrap();
    assert_eq!(
        next(&mut rx).await,
        SipEvent::Ended {
            key,
            reason: EndReason::LocalBye { code: Some(200) }
        }
    );
    assert_eq!(sipp.finish(FINISH).await, 0, "SIPp's header checks passed");
    ep.shutdown().await;
}

#[tokio::test]
async fn shown() {
    run("uas_caller_id_shown.xml", false, 40060).await;
}

#[tokio::test]
async fn hidden() {
    run("uas_caller_id_hidden.xml", true, 40062).await;
}

#[tokio::test]
async fn hidden_scenario_rejects_a_shown_number() {
    // The check is real: a shown number fails the hidden-ID scenario.
    let mut sipp = uas("uas_caller_id_hidden.xml", Transport::Udp)
        .start()
        .await;
    let ep = endpoint(&sipp, Transport::Udp, "", "").await;
    let (key, mut rx) = ep.dial(call_request(false, 40064)).await.unwrap();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(3), next_final(&mut rx)).await;
    ep.cancel(key).ok();
    assert_ne!(sipp.finish(FINISH).await, 0);
    ep.shutdown().await;
}
