//! The daemon crate's integration tests as one binary (rustls's pattern): one module per
//! behaviour-named file, the shared harness in `common`. One binary links once instead of
//! once per file.

mod common;

mod audio_store_rules;
mod auth_tokens;
mod body_limits_and_content_type;
mod callback_outbox_survives_restart;
mod callback_retry_after_500;
mod callback_signed;
mod callee_number_is_not_logged_at_info_level;
mod callees_dedup_and_skip;
mod cdr_query_filters;
mod code_never_leaks;
mod config_audio_pacing;
mod config_audio_render_limits;
mod config_audio_voices;
mod config_file_and_env;
mod config_realtime_priority;
mod config_rtp_latching;
mod config_rtp_srtp;
mod config_sip_tls;
mod config_store_backend;
mod config_tenants_and_guard;
mod config_trunks;
mod demo_places_call_and_records;
mod demo_rejects_bad_keys;
mod deploy_unit_allows_realtime_pacers;
mod dotnet_sdk_body;
mod dtmf_command;
mod dtmf_request_rules;
mod fuzz_corpus_no_panic;
mod healthz_readiness;
mod healthz_reports_trunk_keepalive;
mod http_idle_clients_are_closed;
mod max_concurrent_queues_calls;
mod metrics_rtp_pacers;
mod metrics_text;
mod notification_request_rules;
mod otp_request_rules;
mod outbox_prunes_finished_deliveries;
mod require_keypress_rules;
mod serve_bad_config_exits;
mod serve_is_not_dumpable;
mod shutdown_ends_live_calls;
mod unknown_routes_answer_json;
mod wiring_places_real_call;
mod wiring_sip_bind_failure_is_one_line;
