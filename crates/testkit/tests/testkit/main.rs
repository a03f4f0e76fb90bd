//! The testkit's own tests as one binary: one module per behaviour-named file.

mod sipp_finish_reports_timeout_as_failure;
mod sipp_uac_calls_uas_both_exit_ok;
mod sipp_uas_listening_before_start_returns;
