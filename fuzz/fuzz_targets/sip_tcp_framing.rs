//! SIP over TCP: cutting messages out of the trunk's byte stream by Content-Length; what one
//! input goes through is in `fuzz/harness/sip_tcp_framing.rs`.
#![no_main]

#[path = "../harness/sip_tcp_framing.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
