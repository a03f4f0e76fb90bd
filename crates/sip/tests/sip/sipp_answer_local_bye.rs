//! SIPp answers; we hang up: BYE gets 200 and the call ends with LocalBye(200).
use crate::sipp_support::*;
use voice_otp_sip::{EndReason, SipEvent, Transport};

#[tokio::test]
async fn our_bye_ends_the_call() {
    let mut sipp = uas("uas_answer_bye.xml", Transport::Udp).start().await;
    let ep = endpoint(&sipp, Transport::Udp, "", "").await;
    let (key, mut rx) = ep.dial(call_request(false, 40010)).await.unwrap();
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
