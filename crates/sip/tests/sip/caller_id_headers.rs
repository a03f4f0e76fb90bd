//! Caller ID: shown as From + P-Asserted-Identity; hidden per RFC 3323/3325.
use crate::common::*;

#[test]
fn shown_caller_id() {
    let mut h = Harness::udp();
    h.call(request());
    let inv = h.sent_one("INVITE");
    let from = inv.header("From").unwrap();
    assert!(
        from.starts_with("<sip:+3197010@otp.example>;tag="),
        "{from}"
    );
    assert_eq!(
        inv.header("P-Asserted-Identity"),
        Some("<sip:+3197010@otp.example>")
    );
    assert_eq!(inv.header("Privacy"), None);
    assert_eq!(inv.header("To"), Some("<sip:+31612345678@trunk.example>"));
    assert!(
        matches!(&inv.start, voice_otp_sip::StartLine::Request { uri, .. } if uri == "sip:+31612345678@trunk.example")
    );
    assert_eq!(inv.header("User-Agent"), Some("voice-otp-test"));
    assert_eq!(inv.header("Max-Forwards"), Some("70"));
    assert!(inv.header("Allow").unwrap().contains("BYE"));
    assert!(inv.header("Supported").is_some());
    assert!(
        inv.header("Contact")
            .unwrap()
            .contains("+3197010@127.0.0.1:5070")
    );
}

#[test]
fn hidden_caller_id() {
    let mut h = Harness::udp();
    let mut req = request();
    req.anonymous = true;
    h.call(req);
    let inv = h.sent_one("INVITE");
    let from = inv.header("From").unwrap();
    assert!(
        from.starts_with("\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag="),
        "{from}"
    );
    assert_eq!(inv.header("Privacy"), Some("id"));
    assert_eq!(
        inv.header("P-Asserted-Identity"),
        Some("<sip:+3197010@otp.example>")
    );
    assert!(
        !inv.header("Contact").unwrap().contains("3197010"),
        "Contact must not leak the number"
    );
}

#[test]
fn call_ids_tags_and_branches_are_unique() {
    let mut h = Harness::udp();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..50 {
        let key = h.call(request());
        let inv = h.sent_one("INVITE");
        assert_eq!(
            h.ua.call_id(key).unwrap().to_string(),
            inv.call_id().unwrap()
        );
        assert!(inv.top_branch().unwrap().starts_with("z9hG4bK"));
        assert!(seen.insert(inv.call_id().unwrap().to_owned()));
        assert!(seen.insert(inv.from_tag().unwrap().to_owned()));
        assert!(seen.insert(inv.top_branch().unwrap().to_owned()));
    }
}
