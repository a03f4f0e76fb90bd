//! Timer A: over UDP the INVITE is retransmitted at T1, 2*T1, 4*T1 ... until a response.
use crate::common::*;
use std::time::Duration;

#[test]
fn invite_is_retransmitted_with_doubling_interval_until_a_provisional() {
    let mut h = Harness::udp();
    h.call(request());
    let first = h.sent_one("INVITE");
    let sends = h.run_for(Duration::from_millis(7600));
    let times: Vec<u128> = sends.iter().map(|(t, _)| t.as_millis()).collect();
    assert_eq!(times, [500, 1500, 3500, 7500]);
    for (_, m) in &sends {
        assert_eq!(
            m.to_bytes(),
            first.to_bytes(),
            "a retransmission is byte-identical"
        );
    }
    h.reply(&first, 100, None, &[], "");
    assert!(
        h.run_for(Duration::from_secs(20)).is_empty(),
        "timer A stops in Proceeding"
    );
}

#[test]
fn no_retransmission_over_tcp() {
    let mut cfg = config();
    cfg.transport = voice_otp_sip::Transport::Tcp;
    let mut h = Harness::new(cfg);
    h.call(request());
    let inv = h.sent_one("INVITE");
    assert!(inv.header("Via").unwrap().starts_with("SIP/2.0/TCP "));
    assert!(h.run_for(Duration::from_secs(20)).is_empty());
}
