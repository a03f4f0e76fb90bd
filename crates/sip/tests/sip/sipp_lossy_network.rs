//! With SIPp dropping 10 % of the messages it sends and receives (`-lost 10`), our
//! retransmissions still complete answer + far-end BYE. A few calls in a row, bounded in time.
use crate::sipp_support::*;
use voice_otp_sip::{EndReason, SipEvent, Transport};

#[tokio::test]
async fn answer_and_remote_bye_survive_ten_percent_loss() {
    for i in 0..3u16 {
        let mut sipp = uas("uas_answer_then_hangup.xml", Transport::Udp)
            .args(["-lost", "10"])
            .start()
            .await;
        let ep = endpoint(&sipp, Transport::Udp, "", "").await;
        let (key, mut rx) = ep.dial(call_request(false, 40070 + 2 * i)).await.unwrap();
        assert!(matches!(
            next_final(&mut rx).await,
            SipEvent::Answered { .. }
        ));
        assert_eq!(
            next(&mut rx).await,
            SipEvent::Ended {
                key,
                reason: EndReason::RemoteBye
            }
        );
        assert_eq!(sipp.finish(FINISH).await, 0);
        ep.shutdown().await;
    }
}
