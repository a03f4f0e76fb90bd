//! The integration tests of voice-otp-dtmf, linked as one binary: one module per behaviour.

mod support;

mod dtmf_merge;
mod inband_bandwidth;
mod inband_decode;
mod inband_dynamic_range;
mod inband_guard_time;
mod inband_noise;
mod inband_talk_off;
mod inband_twist;
mod keys_print_and_parse;
mod rfc4733_duplicate_end;
mod rfc4733_duration_wrap;
mod rfc4733_fuzz_corpus;
mod rfc4733_lost_end;
mod rfc4733_no_marker;
mod rfc4733_out_of_order;
mod rfc4733_payload;
mod rfc4733_sipp_pcaps;
mod rfc4733_volume;
mod sip_info_bodies;
