//! Digest challenges (`WWW-Authenticate`, `Proxy-Authenticate`) from the far end; what one
//! input goes through is in `fuzz/harness/sip_digest.rs`.
#![no_main]

#[path = "../harness/sip_digest.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
