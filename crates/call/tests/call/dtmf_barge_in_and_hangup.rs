//! Request DTMF: a key during the input prompt stops it and starts the entry (barge-in);
//! a hang-up mid-entry ends the call with what was typed, marked incomplete.

use crate::common::{Event, Sim, dtmf_config, ms, press};
use voice_otp_call::{Action, EndCause, InputStatus, ResultCode, Segment};

#[test]
fn a_key_during_the_prompt_stops_it_and_counts() {
    let mut config = dtmf_config();
    // A long prompt: 1 s in the harness; the key comes half-way.
    config.collect.as_mut().unwrap().timeout = std::time::Duration::from_secs(3);
    let mut sim = Sim::answered(config);
    press(&mut sim, "4321#", 1_500, 200);
    let end = sim.run();
    assert_eq!(
        sim.times_of(|a| matches!(a, Action::StopPlayback)),
        vec![1_500]
    );
    assert_eq!(
        sim.plays(),
        vec![(1_000, Segment::CodePrompt), (2_300, Segment::Outro)]
    );
    assert_eq!(end.input.unwrap().digits, "4321");
}

#[test]
fn the_callee_hanging_up_mid_entry_is_incomplete() {
    let mut sim = Sim::answered(dtmf_config());
    press(&mut sim, "12", 2_500, 500);
    sim.at(ms(4_000), Event::RemoteHangup);
    let end = sim.run();
    assert_eq!(end.result, ResultCode::Finished);
    assert_eq!(end.cause, EndCause::RemoteHangup);
    let input = end.input.unwrap();
    assert_eq!(input.status, InputStatus::Incomplete);
    assert_eq!(input.digits, "12");
    assert_eq!(input.attempts, 1);
}

#[test]
fn an_unanswered_call_reports_no_input_at_all() {
    let mut sim = Sim::new(dtmf_config());
    sim.at(ms(1_000), Event::Provisional(180));
    let end = sim.run();
    assert_eq!(end.result, ResultCode::Cancelled);
    assert_eq!(end.input, None);
}

#[test]
fn the_collected_keys_are_redacted_in_debug() {
    let mut sim = Sim::answered(dtmf_config());
    press(&mut sim, "8642#", 2_500, 100);
    let end = sim.run();
    let printed = format!("{:?}", end.input.unwrap());
    assert!(!printed.contains("8642"), "{printed}");
    assert!(printed.contains("4 keys"), "{printed}");
}
