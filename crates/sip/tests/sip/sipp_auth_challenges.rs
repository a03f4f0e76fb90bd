//! SIPp challenges with 401 (its `verifyauth` checks our MD5 digest) and with 407 (SHA-256,
//! header checked by regex); both calls are answered after the retry.
use crate::sipp_support::*;
use voice_otp_sip::{EndReason, FailReason, SipEvent, Transport};

async fn run(scenario: &str, port: u16) {
    let mut sipp = uas(scenario, Transport::Udp).start().await;
    let ep = endpoint(&sipp, Transport::Udp, "otpuser", "s3cret").await;
    let (key, mut rx) = ep.dial(call_request(false, port)).await.unwrap();
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
    assert_eq!(sipp.finish(FINISH).await, 0);
    ep.shutdown().await;
}

#[tokio::test]
async fn www_authenticate_401_md5() {
    run("uas_auth_401.xml", 40050).await;
}

#[tokio::test]
async fn proxy_authenticate_407_sha256() {
    run("uas_auth_407.xml", 40052).await;
}

#[tokio::test]
async fn wrong_password_is_refused() {
    let mut sipp = uas("uas_auth_401.xml", Transport::Udp).start().await;
    let ep = endpoint(&sipp, Transport::Udp, "otpuser", "wrong").await;
    let (key, mut rx) = ep.dial(call_request(false, 40054)).await.unwrap();
    // SIPp's verifyauth refuses our digest and answers 403.
    assert_eq!(
        next_final(&mut rx).await,
        SipEvent::Failed {
            key,
            reason: FailReason::Rejected {
                code: 403,
                reason: "Forbidden".into()
            }
        }
    );
    assert_ne!(sipp.finish(FINISH).await, 0, "SIPp marks the call failed");
    ep.shutdown().await;
}
