//! SRTP and SRTCP unprotect of datagrams from the network, and protect/unprotect round
//! trips; what one input goes through is in `fuzz/harness/srtp.rs`.
#![no_main]

#[path = "../harness/srtp.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
