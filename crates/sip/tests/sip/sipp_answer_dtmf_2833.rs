//! SIPp answers and plays an RFC 2833 pcap (key 1 on payload type 101) to the RTP address of
//! our offer; the events reach our RTP port; we hang up. Playing a pcap needs root.
use crate::sipp_support::*;
use std::time::Duration;
use voice_otp_sip::{EndReason, SipEvent, Transport};

#[tokio::test]
async fn telephone_events_arrive_at_the_offered_rtp_port() {
    let rtp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let rtp_port = rtp.local_addr().unwrap().port();
    let mut sipp = uas("uas_answer_dtmf_2833.xml", Transport::Udp)
        .start()
        .await;
    let ep = endpoint(&sipp, Transport::Udp, "", "").await;
    let (key, mut rx) = ep.dial(call_request(false, rtp_port)).await.unwrap();
    match next_final(&mut rx).await {
        SipEvent::Answered { media, .. } => assert_eq!(media.telephone_event_pt, Some(101)),
        other => panic!("{other:?}"),
    }
    let mut buf = [0u8; 1500];
    let mut events = 0;
    while events < 3 {
        let n = tokio::time::timeout(Duration::from_secs(10), rtp.recv(&mut buf))
            .await
            .expect("RTP from SIPp's pcap")
            .unwrap();
        if n >= 16 && buf[1] & 0x7f == 101 {
            assert_eq!(buf[12], 1, "the pcap carries key 1");
            events += 1;
        }
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
