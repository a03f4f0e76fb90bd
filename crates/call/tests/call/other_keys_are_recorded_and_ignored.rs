//! Keys other than `1` are recorded in `dtmf`, in order, and change nothing; characters
//! that are not DTMF digits never become a `Digit`; letters are read upper-case.

use crate::common::{Event, Sim, ms, otp_config};
use voice_otp_call::{Action, Segment};

#[test]
fn other_keys_do_not_replay() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer)
        .at(ms(5_500), Event::Dtmf('2'))
        .at(ms(9_000), Event::Dtmf('#'))
        .at(ms(11_000), Event::Dtmf('*'))
        .at(ms(11_100), Event::Dtmf('x'))
        .at(ms(11_200), Event::Dtmf('d'))
        .at(ms(12_000), Event::Dtmf('0'));
    let end = sim.run();
    assert!(sim.times_of(|a| *a == Action::StopPlayback).is_empty());
    assert_eq!(
        sim.plays(),
        vec![
            (2_000, Segment::Intro),
            (4_000, Segment::CodePrompt),
            (5_000, Segment::Code),
            (8_000, Segment::ReplayPrompt),
            (15_000, Segment::Outro),
        ]
    );
    assert_eq!(end.dtmf, "2#*D0");
    assert_eq!(end.replays, 0);
    assert_eq!(end.code_read_count, 1);
}

#[test]
fn a_one_after_other_keys_still_replays() {
    let mut sim = Sim::new(otp_config());
    sim.at(ms(2_000), Event::Answer)
        .at(ms(11_000), Event::Dtmf('9'))
        .at(ms(12_000), Event::Dtmf('1'));
    let end = sim.run();
    assert_eq!(end.dtmf, "91");
    assert_eq!(end.replays, 1);
    assert_eq!(end.code_read_count, 2);
}
