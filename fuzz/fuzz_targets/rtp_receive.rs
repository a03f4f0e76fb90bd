//! A stream's receive side over many datagrams (sequence statistics, the source check and
//! latching, in-band and RFC 4733 key presses across packets); what one input goes through
//! is in `fuzz/harness/rtp_receive.rs`.
#![no_main]

#[path = "../harness/rtp_receive.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    harness::run(data);
});
