//! An INVITE offering PCMU before PCMA, with telephone-event on 101, gets 100 and 180 at
//! once and, after the ring, a 200 whose SDP answer picks PCMA and 101 at the phone's RTP
//! address. The caller's user agent takes it as the answer and ACKs; nothing is resent
//! after the ACK, and a retransmitted INVITE gets the same 200 again.

use std::time::Duration;

use voice_otp_phone::PhoneConfig;
use voice_otp_sip::{Codec, MediaOffer, SipEvent, parse_message};

use crate::common::{Bench, PHONE, caller_rtp, caller_sip, ms};

#[test]
fn pcma_is_picked_and_answered_after_the_ring() {
    let mut media = MediaOffer::g711(caller_rtp());
    media.codecs = vec![Codec::Pcmu, Codec::Pcma];
    let mut bench = Bench::new(PhoneConfig::default(), media);
    assert_eq!(bench.statuses(), [(ms(0), 100), (ms(0), 180)]);

    bench.run_until(Duration::from_secs(10));
    assert_eq!(
        bench.statuses(),
        [(ms(0), 100), (ms(0), 180), (ms(300), 200)],
        "one 200, not resent once ACKed"
    );
    let answered = bench.events.iter().find_map(|e| match e {
        SipEvent::Answered { media, .. } => Some(media.clone()),
        _ => None,
    });
    let answered = answered.expect("the caller takes the 200 as the answer");
    assert_eq!(answered.codec, Codec::Pcma);
    assert_eq!(answered.payload_type, 8);
    assert_eq!(answered.telephone_event_pt, Some(101));
    assert_eq!(answered.remote_rtp, PHONE.rtp);
    let ok = &bench.sip_out[2].message;
    assert_eq!(ok.header("Contact"), Some("<sip:phone@127.0.0.1:5070>"));
    assert!(ok.to_tag().is_some_and(|t| t.starts_with("phone")));
    assert!(bench.outcome.is_none(), "the call goes on until BYE");

    // The INVITE again (as if our 200 had crossed a retransmission): the same 200.
    let invite = bench.sip_in[0].clone();
    let now = bench.now;
    bench.phone.handle_sip(now, caller_sip(), &invite);
    let again = bench.phone.poll_transmit().expect("the 200 is sent again");
    assert_eq!(
        parse_message(&again.payload).unwrap(),
        bench.sip_out[2].message
    );
    assert!(bench.phone.poll_transmit().is_none());
}
