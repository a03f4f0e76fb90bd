//! Integration tests of the built-in phone, one binary: each behaviour in its own file.
//! Most drive the sans-IO `PhoneCore` in virtual time against the project's own SIP user
//! agent (`common`); `socket_driver` runs the tokio driver on real loopback sockets.

mod answers_after_ringing;
mod cancel_while_ringing;
mod common;
mod demo_phone_answers_records_and_presses;
mod gives_up_when_bounds_pass;
mod keys_after_speech_then_quiet;
mod no_g711_is_refused_with_488;
mod ok_resent_until_ack;
mod socket_driver;
mod srtp_offer_answered_with_own_key;
