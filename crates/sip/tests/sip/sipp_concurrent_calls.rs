//! Ten calls at once over the one endpoint socket (UDP and TCP): every call gets its own
//! answer and its own remote BYE, so responses and requests are demultiplexed correctly.
use crate::sipp_support::*;
use voice_otp_sip::{EndReason, SipEvent, Transport};

async fn run(transport: Transport) {
    const CALLS: u16 = 10;
    let mut sipp = uas("uas_answer_then_hangup.xml", transport)
        .calls(u32::from(CALLS))
        .start()
        .await;
    let ep = std::sync::Arc::new(endpoint(&sipp, transport, "", "").await);
    let mut tasks = Vec::new();
    for i in 0..CALLS {
        let ep = ep.clone();
        tasks.push(tokio::spawn(async move {
            let (key, mut rx) = ep.dial(call_request(false, 41000 + 2 * i)).await.unwrap();
            match next_final(&mut rx).await {
                SipEvent::Answered { key: k, .. } => assert_eq!(k, key),
                other => panic!("{other:?}"),
            }
            assert_eq!(
                next(&mut rx).await,
                SipEvent::Ended {
                    key,
                    reason: EndReason::RemoteBye
                }
            );
            key
        }));
    }
    let mut keys = Vec::new();
    for t in tasks {
        keys.push(t.await.unwrap());
    }
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), usize::from(CALLS));
    assert_eq!(sipp.finish(FINISH).await, 0);
    assert_eq!(ep.stats().malformed, 0);
    ep.shutdown().await;
}

#[tokio::test]
async fn ten_calls_over_udp() {
    run(Transport::Udp).await;
}

#[tokio::test]
async fn ten_calls_over_tcp() {
    run(Transport::Tcp).await;
}
