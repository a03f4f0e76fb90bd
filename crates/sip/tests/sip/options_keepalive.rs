//! OPTIONS keepalive to the trunk: any response means reachable; timer F means unreachable.
use crate::common::*;
use std::time::Duration;
use voice_otp_sip::SipEvent;

#[test]
fn keepalive_reports_reachability() {
    let mut cfg = config();
    cfg.keepalive = Some(Duration::from_secs(30));
    let mut h = Harness::new(cfg);
    h.ua.start_keepalive(h.now);
    let opt = h.sent_one("OPTIONS");
    assert!(
        matches!(&opt.start, voice_otp_sip::StartLine::Request { uri, .. } if uri == "sip:trunk.example")
    );
    h.reply(&opt, 200, Some("k"), &[], "");
    assert_eq!(h.events(), [SipEvent::TrunkStatus { reachable: true }]);
    // Next keepalive 30 s later; this one is never answered.
    let sends = h.run_for(Duration::from_secs(30));
    assert_eq!(sends.len(), 1);
    assert_eq!(kind(&sends[0].1), "OPTIONS");
    let sends = h.run_for(Duration::from_secs(32));
    assert!(
        sends.iter().filter(|(_, m)| kind(m) == "OPTIONS").count() >= 9,
        "timer E retransmits"
    );
    assert!(
        h.events()
            .contains(&SipEvent::TrunkStatus { reachable: false })
    );
}

#[test]
fn out_of_dialog_options_from_the_trunk_is_answered() {
    let mut h = Harness::udp();
    let raw = b"OPTIONS sip:voice-otp@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKk1\r\n\
From: <sip:trunk@127.0.0.1>;tag=t1\r\nTo: <sip:voice-otp@127.0.0.1:5070>\r\nCall-ID: ka1\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    h.feed(raw);
    let ok = h.sent_one("200");
    assert_eq!(ok.cseq(), Some((7, "OPTIONS")));
    assert!(ok.to_tag().is_some());
}
