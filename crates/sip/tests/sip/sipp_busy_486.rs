//! SIPp rejects with 486: the call fails with that code, and SIPp sees our ACK.
use crate::sipp_support::*;
use voice_otp_sip::{FailReason, SipEvent, Transport};

#[tokio::test]
async fn busy_is_reported_and_acked() {
    let mut sipp = uas("uas_busy_486.xml", Transport::Udp).start().await;
    let ep = endpoint(&sipp, Transport::Udp, "", "").await;
    let (key, mut rx) = ep.dial(call_request(false, 40020)).await.unwrap();
    assert_eq!(
        next_final(&mut rx).await,
        SipEvent::Failed {
            key,
            reason: FailReason::Rejected {
                code: 486,
                reason: "Busy Here".into()
            }
        }
    );
    assert_eq!(sipp.finish(FINISH).await, 0, "SIPp got our ACK");
    ep.shutdown().await;
}
