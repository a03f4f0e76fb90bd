//! Timer K: a completed BYE transaction lingers T4 (5 s) over UDP to absorb retransmitted
//! finals, then the call's state is freed.
use crate::common::*;
use std::time::Duration;
use voice_otp_sip::{EndReason, SipEvent};

#[test]
fn bye_200_ends_the_call_and_timer_k_frees_it() {
    let mut h = Harness::udp();
    let key = h.call(request());
    h.answer(key);
    h.run_for(Duration::from_secs(40));
    h.ua.hangup(h.now, key);
    let bye = h.sent_one("BYE");
    assert_eq!(bye.cseq(), Some((2, "BYE")));
    assert_eq!(bye.to_tag(), Some("uas1"));
    h.reply(&bye, 200, None, &[], "");
    assert_eq!(
        h.events(),
        [SipEvent::Ended {
            key,
            reason: EndReason::LocalBye { code: Some(200) }
        }]
    );
    assert_eq!(h.ua.poll_timeout(), Some(h.now + Duration::from_secs(5)));
    h.reply(&bye, 200, None, &[], "");
    assert!(
        h.sent().is_empty() && h.events().is_empty(),
        "retransmitted 200 absorbed"
    );
    assert_eq!(h.ua.active_calls(), 1);
    assert!(h.step());
    assert_eq!(h.ua.active_calls(), 0);
}
