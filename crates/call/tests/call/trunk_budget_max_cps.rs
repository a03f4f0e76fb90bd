//! The calls-per-second budget of a trunk, in virtual time: N INVITEs in any one second
//! never exceed `max-cps`; a denied call learns when the next slot frees.

use std::time::{Duration, Instant};

use voice_otp_call::trunks::{Admission, CPS_SLOT, LocalBudget, TrunkLimits};

#[test]
fn no_second_ever_holds_more_than_max_cps_grants() {
    let trunk = TrunkLimits::new("a").max_cps(5);
    let budget = LocalBudget::new(1);
    let start = Instant::now();
    let mut granted = Vec::new();
    // Ask every 10 ms for 10 s of virtual time, as a flood of waiting calls would.
    for step in 0..1000u64 {
        let now = start + Duration::from_millis(step * 10);
        if budget.take(&trunk, now) == Admission::Granted {
            granted.push(now);
        }
    }
    for (i, t) in granted.iter().enumerate() {
        let in_window = granted[i..]
            .iter()
            .take_while(|u| u.duration_since(*t) < Duration::from_secs(1))
            .count();
        assert!(
            in_window <= 5,
            "{in_window} grants in the second from {t:?}"
        );
    }
    // The budget is used, not starved: about 5 per 1.1 s over 10 s.
    assert!(granted.len() >= 40, "{} grants", granted.len());
}

#[test]
fn a_denied_call_is_told_when_the_oldest_slot_frees() {
    let trunk = TrunkLimits::new("a").max_cps(2);
    let budget = LocalBudget::new(1);
    let t0 = Instant::now();
    assert_eq!(budget.take(&trunk, t0), Admission::Granted);
    let t1 = t0 + Duration::from_millis(300);
    assert_eq!(budget.take(&trunk, t1), Admission::Granted);
    assert_eq!(
        budget.take(&trunk, t1),
        Admission::Denied {
            retry_at: Some(t0 + CPS_SLOT)
        }
    );
    assert_eq!(budget.take(&trunk, t0 + CPS_SLOT), Admission::Granted);
    // Concurrency is not limited here, so all three are still active.
    assert_eq!(budget.active(&trunk), 3);
}

#[test]
fn max_concurrent_holds_until_a_call_is_released() {
    use voice_otp_call::trunks::TrunkBudget;
    let trunk = TrunkLimits::new("a").max_concurrent(2);
    let budget = LocalBudget::new(1);
    let now = Instant::now();
    assert_eq!(budget.take(&trunk, now), Admission::Granted);
    assert_eq!(budget.take(&trunk, now), Admission::Granted);
    let later = now + Duration::from_secs(60);
    assert_eq!(
        budget.take(&trunk, later),
        Admission::Denied { retry_at: None }
    );
    budget.release(&trunk);
    assert_eq!(budget.take(&trunk, later), Admission::Granted);
}
