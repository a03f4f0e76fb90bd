//! SIPp rings forever; we CANCEL (the daemon's ring timeout): 200 for the CANCEL, 487 ACKed.
use crate::sipp_support::*;
use voice_otp_sip::{EndReason, SipEvent, Transport};

#[tokio::test]
async fn cancel_after_ringing() {
    let mut sipp = uas("uas_ring_no_answer.xml", Transport::Udp).start().await;
    let ep = endpoint(&sipp, Transport::Udp, "", "").await;
    let (key, mut rx) = ep.dial(call_request(false, 40030)).await.unwrap();
    assert!(matches!(
        next(&mut rx).await,
        SipEvent::Provisional { code: 180, .. }
    ));
    ep.cancel(key).unwrap();
    assert_eq!(
        next(&mut rx).await,
        SipEvent::Ended {
            key,
            reason: EndReason::Cancelled { code: Some(487) }
        }
    );
    assert_eq!(sipp.finish(FINISH).await, 0);
    ep.shutdown().await;
}
