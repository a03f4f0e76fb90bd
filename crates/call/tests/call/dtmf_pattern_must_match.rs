//! Request DTMF: with a `regex`, the whole entry must match it; the pattern's compiled
//! size is bounded, so a hostile one is refused instead of compiled.

use crate::common::{Sim, dtmf_config, press};
use voice_otp_call::{DigitPattern, InputStatus, Segment};

#[test]
fn an_entry_that_does_not_match_is_invalid() {
    let mut config = dtmf_config();
    config.collect.as_mut().unwrap().pattern = Some(DigitPattern::new(r"9\d*").unwrap());
    let mut sim = Sim::answered(config);
    press(&mut sim, "1234#", 2_500, 500);
    press(&mut sim, "9123#", 7_000, 500);
    let end = sim.run();
    assert_eq!(
        sim.segments(),
        vec![
            Segment::CodePrompt,
            Segment::InvalidPrompt,
            Segment::CodePrompt,
            Segment::Outro
        ]
    );
    let input = end.input.unwrap();
    assert_eq!(input.digits, "9123");
    assert_eq!(input.status, InputStatus::Valid);
}

#[test]
fn the_pattern_is_anchored_at_both_ends() {
    let p = DigitPattern::new(r"\d{4}").unwrap();
    assert!(p.is_match("1234"));
    assert!(!p.is_match("12345"));
    assert!(!p.is_match("a1234"));
    // Alternation does not escape the anchors.
    let p = DigitPattern::new("1|2").unwrap();
    assert!(!p.is_match("12"));
    assert_eq!(p.as_str(), "1|2");
}

#[test]
fn a_huge_or_broken_pattern_is_refused() {
    assert!(DigitPattern::new(r"\d{1000}{1000}").is_err());
    assert!(DigitPattern::new("(").is_err());
}
