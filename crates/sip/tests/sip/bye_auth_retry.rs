//! A trunk that challenges our BYE gets it again with credentials (CSeq + 1, new branch);
//! the call ends when that BYE is answered.
use crate::common::*;
use voice_otp_sip::{EndReason, SipEvent};

#[test]
fn challenged_bye_is_retried_with_credentials() {
    let mut cfg = config();
    cfg.username = "otpuser".into();
    cfg.password = "s3cret".into();
    let mut h = Harness::new(cfg);
    let key = h.call(request());
    h.answer(key);
    h.ua.hangup(h.now, key);
    let bye = h.sent_one("BYE");
    assert!(bye.header("Proxy-Authorization").is_none());
    h.reply(
        &bye,
        407,
        None,
        &[(
            "Proxy-Authenticate",
            "Digest realm=\"p\", nonce=\"b1\", qop=\"auth\"",
        )],
        "",
    );
    let retry = h.sent_one("BYE");
    assert_eq!(retry.cseq(), Some((3, "BYE")));
    assert_ne!(retry.top_branch(), bye.top_branch());
    let auth = retry.header("Proxy-Authorization").unwrap();
    assert!(auth.contains("uri=\"sip:uas@127.0.0.1:5060\""), "{auth}");
    assert!(h.events().is_empty());
    h.reply(&retry, 200, None, &[], "");
    assert_eq!(
        h.events(),
        [SipEvent::Ended {
            key,
            reason: EndReason::LocalBye { code: Some(200) }
        }]
    );
}

#[test]
fn bye_challenged_twice_still_ends_the_call() {
    let mut cfg = config();
    cfg.username = "otpuser".into();
    cfg.password = "s3cret".into();
    let mut h = Harness::new(cfg);
    let key = h.call(request());
    h.answer(key);
    h.ua.hangup(h.now, key);
    let bye = h.sent_one("BYE");
    let ch = [("Proxy-Authenticate", "Digest realm=\"p\", nonce=\"b1\"")];
    h.reply(&bye, 407, None, &ch, "");
    let retry = h.sent_one("BYE");
    h.reply(&retry, 407, None, &ch, "");
    assert!(h.sent().is_empty(), "no loop");
    assert_eq!(
        h.events(),
        [SipEvent::Ended {
            key,
            reason: EndReason::LocalBye { code: Some(407) }
        }]
    );
}
