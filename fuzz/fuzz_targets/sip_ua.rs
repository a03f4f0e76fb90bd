//! The SIP user agent fed a sequence of far-end messages (responses, forks, auth loops,
//! in-dialog requests, garbage) and commands in virtual time; what one input goes through is
//! in `fuzz/harness/sip_ua.rs`.
#![no_main]

#[path = "../harness/sip_ua.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
