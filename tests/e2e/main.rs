//! The end-to-end suite as one test binary: the real `voice-otp serve` process, SIPp as the
//! trunk and real HTTP callback receivers, all on loopback (see `tests/support/e2e.rs`).
//!
//! One binary links once instead of once per file (issue 10, item 7). Each behaviour keeps
//! its own file, named after it, in `tests/e2e/`.
//!
//! # Adding a behaviour
//!
//! 1. Put the file in `tests/e2e/<behaviour>.rs` (`git mv tests/<behaviour>.rs tests/e2e/`
//!    for a file written in the old one-binary-per-file layout).
//! 2. Add `mod <behaviour>;` below, in alphabetical order.
//! 3. The shared harness is the suite library, not a `#[path]` module: write
//!    `use voice_otp_suite::e2e::*;` (and `voice_otp_suite::callback_receiver::...`,
//!    `voice_otp_suite::{repo_root, voice_otp_bin}` as needed). A file from the old layout
//!    drops its `#[path = "support/e2e.rs"] mod e2e;` and turns `use e2e::*;` into
//!    `use voice_otp_suite::e2e::*;`; nothing else changes.
//!
//! Test names are prefixed by their file (`cargo test --test e2e press_1_replays_code::`).

mod auto_replay_reads_code_three_times;
mod burst_of_calls_all_finish;
mod busy_486_is_rejected;
mod call_outcome_survives_a_store_failure;
mod callback_pending_survives_sigkill;
mod callback_redirect_is_not_followed;
mod callback_slow_receiver_does_not_delay_others;
mod callback_store_failure_does_not_loop;
mod callback_url_inside_the_network_is_refused;
mod callee_hangs_up_mid_code;
mod cluster_egress_fails_over_between_trunks;
mod cluster_http_balancer_survives_a_dead_node;
mod cluster_nodes_share_the_trunk_budget;
mod cluster_queued_calls_are_sealed_and_seen_by_every_node;
mod cluster_shutdown_leaves_queued_calls_to_others;
mod cluster_spec_under_another_secret_is_not_dialled;
mod cluster_survives_a_killed_node;
mod code_never_leaks_at_trace_level;
mod destination_policy_refuses_callees;
mod dtmf_app_collects_digits;
mod dtmf_app_refuses_unbounded_numbers;
mod hostile_tts_prompts_are_refused;
mod http_held_connections_do_not_lock_out_the_api;
mod instruction_id_is_idempotent;
mod kamailio_baresip_press_1_replays_code;
mod lost_node_calls_are_closed_by_a_survivor;
mod metrics_token_closes_metrics;
mod postgres_store_keeps_cdrs_across_restart;
mod press_1_replays_code;
mod require_keypress_reads_after_the_key;
mod ring_timeout_cancels;
mod say_reads_an_imported_human_set_in_order;
mod say_reads_code_characters_in_order;
mod sdp_refused_media_address_fails_call;
mod sigterm_ends_live_call_with_bye;
mod sip_accept_from_drops_strangers;
mod sip_driver_panic_fails_live_calls_and_exits;
mod sip_tcp_garbled_stream_keeps_calls;
mod sip_tls_untrusted_certificate_fails_call;
mod srtp_call_is_encrypted_on_the_wire;
mod srtp_reinvites_cannot_downgrade_and_rekey;
mod store_busy_answers_503_and_stores_nothing;
mod stranger_rtp_gets_no_audio;
mod tenant_uploads_play_only_in_their_own_calls;
mod tenants_are_isolated;
mod three_callees_three_calls;
mod trunk_answering_503_forever_cannot_loop;
mod trunk_failover_places_calls_through_b;
mod trunk_max_cps_is_never_exceeded;
mod tts_prompt_past_max_prompt_seconds_fails_the_call;
mod velocity_limits_answer_429;
mod velocity_limits_hold_across_two_nodes;
