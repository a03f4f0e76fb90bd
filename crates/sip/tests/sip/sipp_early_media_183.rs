//! SIPp sends 183 with SDP (early media), then 200: we report the early media, then answer.
use crate::sipp_support::*;
use voice_otp_sip::{Codec, EndReason, SipEvent, Transport};

#[tokio::test]
async fn early_media_then_answer() {
    let mut sipp = uas("uas_early_media_183.xml", Transport::Udp).start().await;
    let ep = endpoint(&sipp, Transport::Udp, "", "").await;
    let (key, mut rx) = ep.dial(call_request(false, 40040)).await.unwrap();
    let early = match next(&mut rx).await {
        SipEvent::Provisional {
            code: 183,
            early_media: Some(m),
            ..
        } => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(early.codec, Codec::Pcma);
    match next(&mut rx).await {
        SipEvent::Answered { media, .. } => assert_eq!(media, early),
        other => panic!("{other:?}"),
    }
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
