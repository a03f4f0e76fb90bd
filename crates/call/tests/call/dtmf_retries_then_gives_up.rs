//! Request DTMF: an attempt without a valid entry plays the invalid prompt and the input
//! prompt again, up to `max-attempts`; then the call hangs up and says why.

use crate::common::{Event, Sim, dtmf_config, ms, press};
use voice_otp_call::{InputStatus, ResultCode, Segment};

#[test]
fn no_key_at_all_retries_then_reports_no_input() {
    let mut sim = Sim::answered(dtmf_config());
    let end = sim.run();
    // Each attempt: prompt 1 s, 5 s of silence, invalid prompt 1.5 s.
    assert_eq!(
        sim.plays(),
        vec![
            (1_000, Segment::CodePrompt),
            (7_000, Segment::InvalidPrompt),
            (8_500, Segment::CodePrompt),
            (14_500, Segment::InvalidPrompt),
            (16_000, Segment::CodePrompt),
            (22_000, Segment::InvalidPrompt),
        ]
    );
    let input = end.input.unwrap();
    assert_eq!(input.status, InputStatus::NoInput);
    assert_eq!(input.attempts, 3);
    assert!(input.digits.is_empty());
    assert_eq!(end.result, ResultCode::Finished);
    // The hang-up follows the last invalid prompt; no valid prompt.
    assert_eq!(sim.ms_of(sim.now) / 1_000, 23);
    assert!(!sim.segments().contains(&Segment::Outro));
}

#[test]
fn too_few_digits_retry_and_a_later_valid_entry_wins() {
    let mut sim = Sim::answered(dtmf_config());
    // "12#" at 2.5-3.5 s is too short (min 4): invalid prompt 3.5-5 s. A key during it
    // is discarded. The prompt plays again 5-6 s, then "9876#" is valid.
    press(&mut sim, "12#", 2_500, 500);
    sim.at(ms(4_000), Event::Dtmf('7'));
    press(&mut sim, "9876#", 6_500, 500);
    let end = sim.run();
    assert_eq!(
        sim.plays(),
        vec![
            (1_000, Segment::CodePrompt),
            (3_500, Segment::InvalidPrompt),
            (5_000, Segment::CodePrompt),
            (8_500, Segment::Outro),
        ]
    );
    let input = end.input.unwrap();
    assert_eq!(input.digits, "9876");
    assert_eq!(input.status, InputStatus::Valid);
    assert_eq!(input.attempts, 2);
}

#[test]
fn min_digits_never_met_reports_invalid_with_the_last_entry() {
    let mut config = dtmf_config();
    config.collect.as_mut().unwrap().max_attempts = 2;
    let mut sim = Sim::answered(config);
    press(&mut sim, "12#", 2_500, 500);
    press(&mut sim, "345#", 5_500, 100);
    let end = sim.run();
    let input = end.input.unwrap();
    // Second attempt: prompt 5-6 s; "345#" pressed at 5.5-5.8 s barges in and is too
    // short again (3 keys), so the call gives up after the invalid prompt.
    assert_eq!(input.status, InputStatus::Invalid);
    assert_eq!(input.attempts, 2);
    assert_eq!(input.digits, "345");
    assert!(!sim.segments().contains(&Segment::Outro));
}

#[test]
fn without_an_invalid_prompt_the_input_prompt_follows_at_once() {
    let mut config = dtmf_config();
    config.invalid_prompt = false;
    config.collect.as_mut().unwrap().max_attempts = 2;
    let mut sim = Sim::answered(config);
    let end = sim.run();
    assert_eq!(
        sim.plays(),
        vec![(1_000, Segment::CodePrompt), (7_000, Segment::CodePrompt)]
    );
    assert_eq!(end.input.unwrap().status, InputStatus::NoInput);
}
