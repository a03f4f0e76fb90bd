//! Fuzzes the RFC 4733 tracker (payload parsing, ordering, wrap and timeout logic) and the
//! SIP INFO DTMF body parser; the input format is in `fuzz/harness/rfc4733.rs`.
#![no_main]

#[path = "../harness/rfc4733.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
