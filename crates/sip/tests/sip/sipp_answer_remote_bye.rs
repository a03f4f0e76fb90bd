//! SIPp answers, then hangs up: we see Answered (PCMA, telephone-event 101) and RemoteBye.
use crate::sipp_support::*;
use voice_otp_sip::{Codec, EndReason, SipEvent, Transport};

async fn run(transport: Transport) {
    let mut sipp = uas("uas_answer_then_hangup.xml", transport).start().await;
    let ep = endpoint(&sipp, transport, "", "").await;
    let (key, mut rx) = ep.dial(call_request(false, 40000)).await.unwrap();
    match next_final(&mut rx).await {
        SipEvent::Answered { key: k, media } => {
            assert_eq!(k, key);
            assert_eq!(media.codec, Codec::Pcma);
            assert_eq!(media.telephone_event_pt, Some(101));
            assert_eq!(media.remote_rtp.ip().to_string(), "127.0.0.1");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        next(&mut rx).await,
        SipEvent::Ended {
            key,
            reason: EndReason::RemoteBye
        }
    );
    assert_eq!(sipp.finish(FINISH).await, 0);
    assert_eq!(ep.stats().malformed, 0);
    ep.shutdown().await;
}

#[tokio::test]
async fn udp() {
    run(Transport::Udp).await;
}

#[tokio::test]
async fn tcp() {
    run(Transport::Tcp).await;
}
