//! Request DTMF: an entry ends when it reaches `max-digits`, on a terminator key, or when
//! no key comes within `timeout`; a valid entry gets the valid prompt, then the hang-up.

use crate::common::{Event, Sim, dtmf_config, ms, press};
use voice_otp_call::{Action, EndCause, InputStatus, ResultCode, Segment};

#[test]
fn max_digits_ends_the_entry_at_once() {
    let mut sim = Sim::new(dtmf_config());
    // Prompt 1-2 s; six keys from 2.5 s, one every 0.5 s: the sixth (5 s) ends it.
    sim.at(ms(1_000), Event::Answer);
    press(&mut sim, "123456", 2_500, 500);
    let end = sim.run();
    assert_eq!(
        sim.plays(),
        vec![(1_000, Segment::CodePrompt), (5_000, Segment::Outro)]
    );
    let input = end.input.expect("a DTMF call reports its input");
    assert_eq!(input.digits, "123456");
    assert_eq!(input.status, InputStatus::Valid);
    assert_eq!(input.attempts, 1);
    assert_eq!(end.result, ResultCode::Finished);
    assert_eq!(end.cause, EndCause::Completed);
}

#[test]
fn a_terminator_ends_the_entry_and_is_not_part_of_it() {
    let mut sim = Sim::answered(dtmf_config());
    press(&mut sim, "1234#", 2_500, 500);
    let end = sim.run();
    // The `#` at 4.5 s ends the entry: the valid prompt starts then, not 5 s later.
    assert_eq!(
        sim.plays(),
        vec![(1_000, Segment::CodePrompt), (4_500, Segment::Outro)]
    );
    let input = end.input.unwrap();
    assert_eq!(input.digits, "1234");
    assert_eq!(input.status, InputStatus::Valid);
    // Every key is still in `dtmf`, the terminator included.
    assert_eq!(end.dtmf, "1234#");
}

#[test]
fn the_inter_digit_timeout_ends_the_entry() {
    let mut sim = Sim::answered(dtmf_config());
    // Keys at 2.5, 3, 3.5 and 7 s: each restarts the 5 s timer, so the 3.5 s wait
    // between the third and the fourth does not end the entry; it ends at 12 s.
    press(&mut sim, "123", 2_500, 500);
    sim.at(ms(7_000), Event::Dtmf('4'));
    let end = sim.run();
    assert_eq!(
        sim.plays(),
        vec![(1_000, Segment::CodePrompt), (12_000, Segment::Outro)]
    );
    assert_eq!(end.input.unwrap().digits, "1234");
}

#[test]
fn the_timer_starts_when_the_prompt_has_played() {
    let mut sim = Sim::answered(dtmf_config());
    let _ = sim.run_until(ms(6_900));
    // The prompt ends at 2 s, so the first-key deadline is 7 s, not 6 s.
    assert_eq!(sim.flow.poll_timeout().map(|t| sim.ms_of(t)), Some(7_000));
    assert!(
        !sim.log
            .iter()
            .any(|(_, a)| matches!(a, Action::Play(p) if p.segment == Segment::InvalidPrompt))
    );
}
