//! The integration tests of voice-otp-rtp, linked as one binary: one module per behaviour.

mod common;

mod catch_up_after_late_wakeup;
mod engine_packet_totals_count_live_streams;
mod engine_receive_jitter_uses_arrival_times;
mod engine_rtcp_report_parsed_malformed_ignored;
mod engine_symmetric_latching_retargets;
mod fuzz_corpus_no_panic;
mod fuzz_rtp_receive_corpus;
mod load_harness_small;
mod loopback_rendered_reading_in_order;
mod marker_bit_on_talk_spurt;
mod opus_rendered_source_48khz;
mod pacing_exact_20ms;
mod port_pairs_allocation_exhaustion_reuse;
mod realtime_pacers_when_permitted;
mod receive_stats_loss_jitter;
mod receiver_dtmf_rfc4733_and_inband;
mod receiver_latching_rules;
mod receiver_source_and_payload_checks;
mod rtcp_sender_report_and_bye;
mod seq_timestamp_continuity_across_replay;
mod silence_fill_between_prompts;
mod sipp_rfc2833_pcap_yields_digit;
mod socket_error_on_one_stream_does_not_stall_others;
