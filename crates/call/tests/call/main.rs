//! The integration tests of voice-otp-call, linked as one binary: one module per behaviour.

mod common;
mod fake_backend;
mod sipp;

mod absent_prompts_are_skipped;
mod answer_racing_cancel_is_hung_up;
mod auto_replay_reads_three_times;
mod busy_is_rejected;
mod cancel_completion_is_recorded;
mod code_never_logged;
mod early_media_is_not_played_into;
mod intro_then_reading_then_outro;
mod max_duration_guard;
mod media_error_hangs_up;
mod memory_per_call_is_bounded;
mod nothing_to_read_is_an_error;
mod notification_reads_the_prompt;
mod other_keys_are_recorded_and_ignored;
mod press_one_before_first_reading_is_ignored;
mod press_one_restarts_reading;
mod press_one_without_replays_left_is_ignored;
mod prompt_gap_separates_segments;
mod remote_hangup_mid_code;
mod replay_wait_expires_to_outro;
mod ring_timeout_cancels;
mod runner_dtmf_sources_merge;
mod runner_failures_end_cleanly;
mod runner_observer_sees_presses_and_figures;
mod runner_reads_and_replays_on_press;
mod runner_sipp_calls;
mod runner_streams_two_readings_to_a_phone;
mod server_error_is_failed;
mod shutdown_ends_the_call;
mod stale_playback_finished_is_ignored;
