//! RTP and RTCP parsing of datagrams from the network; what one input goes through is in
//! `fuzz/harness/rtp_packet.rs`.
#![no_main]

#[path = "../harness/rtp_packet.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
