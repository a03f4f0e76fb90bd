//! Every wait of the phone is bounded: no INVITE within `invite_within`, or a call the
//! caller never hangs up within `max_call`, ends the phone with an error at that moment.

use std::time::{Duration, Instant};

use voice_otp_phone::{PhoneConfig, PhoneCore, PhoneError};
use voice_otp_sip::MediaOffer;

use crate::common::{Bench, PHONE, caller_rtp, ms};

#[test]
fn no_invite_in_time_is_an_error() {
    let start = Instant::now();
    let config = PhoneConfig::default();
    let mut phone = PhoneCore::new(config.clone(), PHONE, 1, start).unwrap();
    let deadline = phone.poll_timeout().unwrap();
    assert_eq!(deadline - start, config.invite_within);
    phone.handle_timeout(deadline - ms(1));
    assert!(phone.poll_outcome().is_none());
    phone.handle_timeout(deadline);
    let outcome = phone.poll_outcome();
    assert!(matches!(outcome, Some(Err(PhoneError::NoInvite(d))) if d == config.invite_within));
    assert_eq!(phone.poll_timeout(), None);
}

#[test]
fn a_call_never_hung_up_is_an_error() {
    let config = PhoneConfig {
        max_call: Duration::from_secs(60),
        ..PhoneConfig::default()
    };
    let mut bench = Bench::new(config, MediaOffer::g711(caller_rtp()));
    // Answered at 300 ms: the call may last until 60.3 s.
    bench.run_until(ms(60_299));
    assert!(bench.outcome.is_none());
    bench.run_until(ms(60_300));
    let outcome = bench.outcome.take();
    assert!(
        matches!(outcome, Some(Err(PhoneError::CallTooLong(d))) if d == Duration::from_secs(60)),
        "{outcome:?}"
    );
}

#[test]
fn a_press_list_with_a_non_dtmf_key_is_refused() {
    let config = PhoneConfig {
        press: "1x".into(),
        ..PhoneConfig::default()
    };
    let err = PhoneCore::new(config, PHONE, 1, Instant::now()).unwrap_err();
    assert!(matches!(err, PhoneError::BadKey('x')));
}
