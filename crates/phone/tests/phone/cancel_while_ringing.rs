//! A CANCEL while the phone rings gets 200, the INVITE gets 487 Request Terminated, and
//! the phone ends without answering: its report has heard nothing and pressed nothing.

use std::time::Duration;

use voice_otp_sip::{Codec, EndReason, MediaOffer, SipEvent};

use crate::common::{Bench, caller_rtp, ms, pressing};

#[test]
fn cancel_before_the_answer_ends_the_call_with_487() {
    let mut bench = Bench::new(pressing("1"), MediaOffer::g711(caller_rtp()));
    bench.run_until(ms(100));
    let (now, call) = (bench.now, bench.call);
    bench.ua.cancel(now, call);
    bench.shuttle();
    bench.run_until(Duration::from_secs(5));

    let answers: Vec<_> = bench
        .sip_out
        .iter()
        .map(|s| (s.message.status().unwrap(), s.message.cseq().unwrap().1))
        .collect();
    assert_eq!(
        answers,
        [
            (100, "INVITE"),
            (180, "INVITE"),
            (200, "CANCEL"),
            (487, "INVITE")
        ]
    );
    let cancelled = SipEvent::Ended {
        key: call,
        reason: EndReason::Cancelled { code: Some(487) },
    };
    assert!(bench.events.contains(&cancelled), "{:?}", bench.events);
    let report = bench.outcome.take().expect("the call is over").unwrap();
    assert_eq!(report.codec, Codec::Pcma);
    assert!(report.heard.is_empty());
    assert_eq!(report.pressed, "");
    assert_eq!(report.packets_received, 0);
}
